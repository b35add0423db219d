package dev.ferry.bench;

import dev.ferry.balance.Balancer;
import dev.ferry.table.Backend;
import dev.ferry.table.Upstream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Balancer.next, smooth weighted round robin, over {@code backends} backends of weights 100,
 * 200, 300, ...: without exclusions, with one backend excluded (as on a retry), and with a
 * health filter that rejects one backend.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class BalancerBenchmark {

  @Param({"3", "20"})
  public int backends;

  private Balancer balancer;
  private List<String> excluded;
  private Predicate<Backend> usable;

  @Setup
  public void setUp() {
    List<Backend> list = new ArrayList<>();
    for (int b = 1; b <= backends; b++) {
      list.add(new Backend(Integer.toString(b), "10.0.0." + b, 8000, "http", "", 100 * b));
    }
    balancer = new Balancer(new Upstream("app", "", "", false, list, 1));
    excluded = List.of("1");
    usable = backend -> !backend.id().equals("2");
  }

  @Benchmark
  public Backend next() {
    return balancer.next(null);
  }

  @Benchmark
  public Backend nextExcludingOne() {
    return balancer.next(excluded);
  }

  @Benchmark
  public Backend nextWithHealthFilter() {
    return balancer.next(null, usable);
  }
}
