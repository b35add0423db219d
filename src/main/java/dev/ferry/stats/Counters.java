package dev.ferry.stats;

import dev.ferry.config.Durations;
import io.vertx.core.json.JsonObject;
import java.time.Duration;

/** Running totals of one backend, listener or the whole node, with per-second rates. */
final class Counters {

  /** Rates are taken over this many one-second samples. */
  private static final int WINDOW = 5;

  final long since = System.currentTimeMillis();
  long requests;
  long fails;
  long rxBytes;
  long txBytes;
  /** Read by the active clients gauge when {@code /metrics} is scraped. */
  volatile long active;
  /** The backend's series on {@code /metrics}; null for listeners and the node. */
  BackendMeters meters;
  private final long[][] samples = new long[WINDOW + 1][5];
  private int sampled;


  void add(TrafficDelta delta) {
    requests += delta.requests;
    fails += delta.fails;
    rxBytes += delta.rxBytes;
    txBytes += delta.txBytes;
    active += delta.opened - delta.closed;
  }

  /** Called once a second. */
  void sample(long now) {
    long[] row = samples[sampled % samples.length];
    row[0] = now;
    row[1] = rxBytes;
    row[2] = txBytes;
    row[3] = requests;
    row[4] = fails;
    sampled++;
  }

  private double rate(int column) {
    if (sampled < 2) {
      return 0;
    }
    long[] newest = samples[(sampled - 1) % samples.length];
    long[] oldest = samples[Math.max(0, sampled - samples.length) % samples.length];
    double seconds = (newest[0] - oldest[0]) / 1000.0;
    return seconds <= 0 ? 0 : Math.round((newest[column] - oldest[column]) / seconds * 100) / 100.0;
  }

  String uptime() {
    return Durations.format(Duration.ofMillis(System.currentTimeMillis() - since));
  }

  JsonObject backendJson() {
    return new JsonObject().put("active_clients", active).mergeIn(globalJson());
  }

  JsonObject globalJson() {
    return new JsonObject()
        .put("rx_bytes", rxBytes)
        .put("tx_bytes", txBytes)
        .put("requests", requests)
        .put("fails", fails)
        .put("rx_rate", rate(1))
        .put("tx_rate", rate(2))
        .put("requests_rate", rate(3))
        .put("fails_rate", rate(4))
        .put("uptime", uptime());
  }
}
