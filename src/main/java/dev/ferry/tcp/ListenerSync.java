package dev.ferry.tcp;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Tells when every TCP proxy instance of this node has opened and closed its listeners for a
 * given table generation, so that a change is confirmed only once its listener accepts, and
 * which listeners could not be opened, so that the change that asked for them can be undone.
 */
public final class ListenerSync {

  private final Vertx vertx;
  private final Map<Integer, Report> reports = new HashMap<>();
  private final List<Waiter> waiters = new ArrayList<>();

  private record Waiter(long generation, Context context, Promise<Void> promise) {
  }

  /** What one instance last said: the generation it reached, the ports it could not open. */
  private record Report(long generation, Map<Integer, String> failed) {
  }

  public ListenerSync(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * Instance {@code instance} has its listeners in line with table generation {@code gen},
   * except those of {@code failed}: port to why it could not be opened.
   */
  synchronized void reached(int instance, long generation, Map<Integer, String> failed) {
    Report last = reports.get(instance);
    if (last == null || last.generation <= generation) {
      reports.put(instance, new Report(generation, Map.copyOf(failed)));
    }
    for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
      Waiter w = it.next();
      if (holds(w.generation)) {
        it.remove();
        w.context.runOnContext(v -> w.promise.tryComplete());
      }
    }
  }

  synchronized void leave(int instance) {
    reached(instance, Long.MAX_VALUE, Map.of());
    reports.remove(instance);
  }

  private boolean holds(long generation) {
    for (Report r : reports.values()) {
      if (r.generation < generation) {
        return false;
      }
    }
    return true;
  }

  /** Why this node's listener on {@code port} could not be opened; null when it is open. */
  public synchronized String failure(int port) {
    for (Report r : reports.values()) {
      String why = r.failed.get(port);
      if (why != null) {
        return why;
      }
    }
    return null;
  }

  /** Completes once every instance reached the generation, or fails after the timeout. */
  public Future<Void> await(long generation, long timeoutMillis) {
    Promise<Void> promise = Promise.promise();
    synchronized (this) {
      if (holds(generation)) {
        return Future.succeededFuture();
      }
      waiters.add(new Waiter(generation, vertx.getOrCreateContext(), promise));
    }
    long timer = vertx.setTimer(timeoutMillis, t -> {
      synchronized (this) {
        waiters.removeIf(w -> w.promise == promise);
      }
      promise.tryFail("TCP listeners not in line with the table within " + timeoutMillis
          + " ms");
    });
    return promise.future().onComplete(ar -> vertx.cancelTimer(timer));
  }
}
