package dev.ferry.stats;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import java.util.HashMap;
import java.util.Map;

/**
 * The counter buffer of one proxy verticle: it adds up what happens on its event loop and sends
 * the sums to the {@link StatsVerticle} every {@link #FLUSH_MILLIS} ms, one message per flush.
 * Not thread-safe: used only from its verticle's event loop.
 */
public final class TrafficCounter {

  public static final long FLUSH_MILLIS = 100;

  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private final Vertx vertx;
  private Map<Key, TrafficDelta> pending = new HashMap<>();
  private int flushes;
  private long timer = -1;

  private record Key(String upstream, String backend, String listen) {
  }

  public TrafficCounter(Vertx vertx) {
    this.vertx = vertx;
  }

  public void start() {
    timer = vertx.setPeriodic(FLUSH_MILLIS, t -> flush());
  }

  public void stop() {
    vertx.cancelTimer(timer);
    flush();
  }

  /**
   * The running delta of a backend (both null for traffic that reached no upstream), also of
   * a TCP listener when {@code listen} is set. Valid until the next flush only.
   */
  public TrafficDelta of(String upstream, String backend, String listen) {
    return pending.computeIfAbsent(new Key(upstream, backend, listen),
        k -> new TrafficDelta(k.upstream, k.backend, k.listen));
  }

  public TrafficDelta of(String upstream, String backend) {
    return of(upstream, backend, null);
  }

  /**
   * How many times the deltas went to the stats verticle: a delta taken from {@link #of} may
   * be kept and used again while this has not changed.
   */
  public int flushes() {
    return flushes;
  }

  public void flush() {
    if (pending.isEmpty()) {
      return;
    }
    DeltaBatch batch = new DeltaBatch(pending.values());
    pending = new HashMap<>();
    flushes++;
    vertx.eventBus().send(StatsVerticle.DELTAS, batch, LOCAL);
  }
}
