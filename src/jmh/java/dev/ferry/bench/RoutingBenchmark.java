package dev.ferry.bench;

import dev.ferry.table.Backend;
import dev.ferry.table.Route;
import dev.ferry.table.RoutingTable;
import dev.ferry.table.Upstream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * RoutingTable.route over a table of {@code upstreams} upstreams with 3 backends each, every
 * tenth with an alias. Each call takes the next of 4,096 host names drawn at random, so the
 * lookups do not all hit one cache line.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RoutingBenchmark {

  static final String DOMAIN = "ferry.local";

  @Param({"10000"})
  public int upstreams;

  private RoutingTable table;
  private String[] byName;
  private String[] byAlias;
  private String[] pinned;
  private String[] unknown;
  private int i;

  @Setup
  public void setUp() {
    List<Upstream> list = new ArrayList<>();
    for (int u = 0; u < upstreams; u++) {
      List<Backend> backends = new ArrayList<>();
      for (int b = 1; b <= 3; b++) {
        backends.add(new Backend(b + "-u" + u, "10.0." + b + "." + (u % 250), 8000 + b, "http",
            "", 100));
      }
      list.add(new Upstream("u" + u, u % 10 == 0 ? "www.site" + u + ".example" : "", "", false,
          backends, u));
    }
    table = RoutingTable.of(list);
    Random random = new Random(42);
    byName = new String[4096];
    byAlias = new String[4096];
    pinned = new String[4096];
    unknown = new String[4096];
    for (int k = 0; k < 4096; k++) {
      int u = random.nextInt(upstreams);
      byName[k] = "u" + u + "." + DOMAIN;
      byAlias[k] = "www.site" + (u / 10 * 10) + ".example";
      pinned[k] = (1 + u % 3) + ".u" + u + "." + DOMAIN;
      unknown[k] = "x" + u + "." + DOMAIN;
    }
  }

  private int next() {
    i = (i + 1) & 4095;
    return i;
  }

  @Benchmark
  public Route byName() {
    return table.route(byName[next()], DOMAIN);
  }

  @Benchmark
  public Route byAlias() {
    return table.route(byAlias[next()], DOMAIN);
  }

  @Benchmark
  public Route pinnedBackend() {
    return table.route(pinned[next()], DOMAIN);
  }

  @Benchmark
  public Route noMatch() {
    return table.route(unknown[next()], DOMAIN);
  }
}
