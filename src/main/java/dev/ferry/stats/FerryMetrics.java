package dev.ferry.stats;

import dev.ferry.logging.AccessLog;
import dev.ferry.session.SessionStore;
import dev.ferry.table.UpstreamTable;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.micrometer.backends.BackendRegistries;
import java.time.Duration;

/**
 * Ferry's own series on {@code /metrics}, beside those of Vert.x: traffic by upstream and
 * backend, fed from the batches the {@link StatsVerticle} receives, and gauges of the node.
 */
public final class FerryMetrics {

  private final MeterRegistry registry;
  private final Timer changeConfirm;

  public FerryMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.changeConfirm = Timer.builder("ferry.change.confirm")
        .description("Time from a table change to its confirmation by every live node")
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry);
  }

  /** The meters of the Vert.x metrics registry named {@code registryName}. */
  public static FerryMetrics of(String registryName) {
    return new FerryMetrics(BackendRegistries.getNow(registryName));
  }

  /** Gauges of the table, the sticky sessions and the cluster as this node sees them. */
  public void watch(UpstreamTable table, SessionStore sessions, ClusterManager cluster) {
    Gauge.builder("ferry.upstreams", table, t -> t.snapshot().size())
        .description("Upstreams in the table").strongReference(true).register(registry);
    Gauge.builder("ferry.sticky.sessions", sessions, SessionStore::size)
        .description("Sticky sessions this node holds").strongReference(true)
        .register(registry);
    Gauge.builder("ferry.cluster.members", cluster, c -> c.getNodes().size())
        .description("Nodes in the cluster").strongReference(true).register(registry);
  }

  /** Counts the access log lines dropped because the writer could not keep up. */
  public void watch(AccessLog accessLog) {
    if (accessLog.on()) {
      FunctionCounter.builder("ferry.access.log.dropped.lines", accessLog, AccessLog::dropped)
          .description("Access log lines dropped because the queue was full")
          .register(registry);
    }
  }

  /** Time from a write to its confirmation by every live node; also when some did not. */
  public Timer changeConfirm() {
    return changeConfirm;
  }

  /**
   * The meters of one backend, or of the traffic of an upstream that reached no backend
   * ({@code backend} null), or that reached no upstream (both null): those label as "".
   * {@code counters} feeds the active clients gauge; null for traffic without a backend.
   */
  BackendMeters backend(String upstream, String backend, Counters counters) {
    return new BackendMeters(registry, upstream == null ? "" : upstream,
        backend == null ? "" : backend, counters);
  }
}
