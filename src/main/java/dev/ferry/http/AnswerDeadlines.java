package dev.ferry.http;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientRequest;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The backends' time to send the header of their answer, for the requests of one event loop.
 * All requests get the same allowance, so their deadlines come in the order they started to
 * wait: the waiting requests form a list in that order, and one timer, armed for the first of
 * them, stands for all. A timer per request, armed and cancelled each time, was a few percent
 * of the proxy's CPU time in a profile. Not thread-safe: used only from its event loop.
 */
final class AnswerDeadlines {

  private final Vertx vertx;
  private final long allowanceMillis;
  private final long allowanceNanos;
  private Waiting first;
  private Waiting last;
  /** The timer armed for {@link #first}'s deadline or an earlier one; -1 when none is. */
  private long timer = -1;

  /** A request waiting for its answer's header. */
  static final class Waiting {
    private final HttpClientRequest request;
    private final long deadline;
    private Waiting previous;
    private Waiting next;
    private boolean linked;

    private Waiting(HttpClientRequest request, long deadline) {
      this.request = request;
      this.deadline = deadline;
    }
  }

  AnswerDeadlines(Vertx vertx, long allowanceMillis) {
    this.vertx = vertx;
    this.allowanceMillis = allowanceMillis;
    this.allowanceNanos = TimeUnit.MILLISECONDS.toNanos(allowanceMillis);
  }

  long allowanceMillis() {
    return allowanceMillis;
  }

  /** Starts the request's allowance; a request still waiting at its end is reset. */
  Waiting start(HttpClientRequest request) {
    Waiting waiting = new Waiting(request, System.nanoTime() + allowanceNanos);
    waiting.linked = true;
    if (last == null) {
      first = waiting;
    } else {
      last.next = waiting;
      waiting.previous = last;
    }
    last = waiting;
    if (timer == -1) {
      arm();
    }
    return waiting;
  }

  /** The answer's header came, or the request ended otherwise: its allowance no longer runs. */
  void stop(Waiting waiting) {
    if (waiting == null || !waiting.linked) {
      return;
    }
    waiting.linked = false;
    if (waiting.previous == null) {
      first = waiting.next;
    } else {
      waiting.previous.next = waiting.next;
    }
    if (waiting.next == null) {
      last = waiting.previous;
    } else {
      waiting.next.previous = waiting.previous;
    }
    waiting.previous = null;
    waiting.next = null;
  }

  /** Cancels the timer; the requests still waiting are left to their connections' fate. */
  void close() {
    if (timer != -1) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  private void arm() {
    long delayNanos = first.deadline - System.nanoTime();
    timer = vertx.setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(delayNanos) + 1),
        id -> expire());
  }

  private void expire() {
    timer = -1;
    long now = System.nanoTime();
    while (first != null && first.deadline - now <= 0) {
      Waiting expired = first;
      stop(expired);
      expired.request.reset(0, new TimeoutException("no response header within "
          + allowanceMillis + " ms"));
    }
    // A reset may have sent a request that is waiting now and armed the timer already.
    if (first != null && timer == -1) {
      arm();
    }
  }
}
