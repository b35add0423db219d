package dev.ferry.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Polls a probe until its value passes a check, for state that settles asynchronously. */
public final class Eventually {

  private static final long PAUSE_MILLIS = 50;

  private Eventually() {
  }

  /** The first value of {@code probe} that passes {@code done}; fails with the last one. */
  public static <T> T poll(Duration within, Supplier<T> probe, Predicate<T> done, String what) {
    long deadline = System.nanoTime() + within.toNanos();
    T last = probe.get();
    while (!done.test(last)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("within " + within.toMillis() + " ms, expected " + what
            + "; last seen: " + last);
      }
      try {
        Thread.sleep(PAUSE_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      last = probe.get();
    }
    return last;
  }

  /** The same with the arguments in the order the HTTP tests use, the limit in milliseconds. */
  public static <T> T within(Supplier<T> probe, Predicate<T> done, long millis, String what) {
    return poll(Duration.ofMillis(millis), probe, done, what);
  }

  /** Waits until {@code condition} holds, for at most {@code seconds}. */
  public static void until(BooleanSupplier condition, int seconds, String what) {
    poll(Duration.ofSeconds(seconds), condition::getAsBoolean, held -> held, what);
  }

  public static <T> T poll(Supplier<T> probe, Predicate<T> done, String what) {
    return poll(Duration.ofSeconds(10), probe, done, what);
  }
}
