package dev.ferry.stats;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;

/**
 * The Micrometer meters of one backend, updated once a second from the counter deltas on the
 * stats verticle, and removed with the backend's counters, so that the labels name only
 * backends of the table.
 */
final class BackendMeters {

  private final MeterRegistry registry;
  private final Tags tags;
  private final Counter[] requests = new Counter[StatusClass.COUNT];
  private final Counter failures;
  private final Counter received;
  private final Counter sent;
  private final List<Meter> meters = new ArrayList<>();
  private final long[] pendingClasses = new long[StatusClass.COUNT];
  private long pendingFails;
  private long pendingReceived;
  private long pendingSent;

  BackendMeters(MeterRegistry registry, String upstream, String backend, Counters counters) {
    this.registry = registry;
    this.tags = Tags.of("upstream", upstream, "backend", backend);
    this.failures = keep(Counter.builder("ferry.failures").tags(tags)
        .description("Requests and TCP connections that got no answer from a backend")
        .register(registry));
    this.received = keep(Counter.builder("ferry.received").baseUnit("bytes").tags(tags)
        .description("Bytes received from clients").register(registry));
    this.sent = keep(Counter.builder("ferry.sent").baseUnit("bytes").tags(tags)
        .description("Bytes sent to clients").register(registry));
    if (counters != null) {
      keep(Gauge.builder("ferry.active.clients", counters, c -> c.active).tags(tags)
          .description("HTTP requests in flight and TCP connections open")
          .strongReference(true).register(registry));
    }
  }

  private <M extends Meter> M keep(M meter) {
    meters.add(meter);
    return meter;
  }

  /** Adds a delta to what {@link #publish} passes to the meters next. */
  void add(TrafficDelta delta) {
    for (int i = 0; i < pendingClasses.length; i++) {
      pendingClasses[i] += delta.classes[i];
    }
    pendingFails += delta.fails;
    pendingReceived += delta.rxBytes;
    pendingSent += delta.txBytes;
  }

  /**
   * Passes what was added since the last call to the meters. Called once a second, so that the
   * per-request deltas of many upstreams do not each pay for Micrometer's increments.
   */
  void publish() {
    for (int i = 0; i < pendingClasses.length; i++) {
      if (pendingClasses[i] > 0) {
        requests(i).increment(pendingClasses[i]);
        pendingClasses[i] = 0;
      }
    }
    increment(failures, pendingFails);
    increment(received, pendingReceived);
    increment(sent, pendingSent);
    pendingFails = 0;
    pendingReceived = 0;
    pendingSent = 0;
  }

  private Counter requests(int statusClass) {
    Counter c = requests[statusClass];
    if (c == null) {
      c = keep(Counter.builder("ferry.requests").tags(tags)
          .tag("class", StatusClass.LABELS[statusClass])
          .description("HTTP requests and TCP connections by the class of their answer")
          .register(registry));
      requests[statusClass] = c;
    }
    return c;
  }

  private static void increment(Counter counter, long n) {
    if (n > 0) {
      counter.increment(n);
    }
  }

  void remove() {
    meters.forEach(registry::remove);
    meters.clear();
  }
}
