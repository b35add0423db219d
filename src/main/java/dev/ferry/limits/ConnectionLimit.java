package dev.ferry.limits;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * The client connections a node holds open over its HTTP, HTTPS and TCP listeners together.
 * Every event loop opens and closes connections here, so the counts are atomics rather than
 * anything that locks. A refused connection is counted; a warning names the limit at most once
 * every ten seconds, so that a flood does not flood the log too.
 */
public final class ConnectionLimit {

  private static final Logger log = Logger.getLogger(ConnectionLimit.class.getName());
  private static final long WARNING_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final int max;
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong nextWarning = new AtomicLong(System.nanoTime());
  private final AtomicLong refusedAtLastWarning = new AtomicLong();

  public ConnectionLimit(int max) {
    this.max = max;
  }

  /** Takes a place for a new connection; false, counted and maybe logged, when none is left. */
  public boolean tryOpen(String listener) {
    int now;
    do {
      now = open.get();
      if (now >= max) {
        refuse(listener);
        return false;
      }
    } while (!open.compareAndSet(now, now + 1));
    return true;
  }

  /** Gives back the place of a connection that {@link #tryOpen} let in. */
  public void closed() {
    open.decrementAndGet();
  }

  public int open() {
    return open.get();
  }

  public long refused() {
    return refused.get();
  }

  private void refuse(String listener) {
    long total = refused.incrementAndGet();
    long due = nextWarning.get();
    long now = System.nanoTime();
    if (now - due >= 0 && nextWarning.compareAndSet(due, now + WARNING_INTERVAL_NANOS)) {
      long since = total - refusedAtLastWarning.getAndSet(total);
      log.warning("maxConnections " + max + " reached: closed " + since
          + " new client connections since the last warning, the latest on " + listener);
    }
  }
}
