package dev.ferry.http;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.function.Predicate;
import java.util.function.Supplier;

/** Polls a value until it is as expected or a deadline passes, for state that settles later. */
final class Poll {

  private static final long INTERVAL_MILLIS = 20;

  private Poll() {
  }

  static <T> T until(Supplier<T> value, Predicate<T> expected, long timeoutMillis,
      String what) {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    T seen = value.get();
    while (!expected.test(seen)) {
      if (System.currentTimeMillis() > deadline) {
        fail(what + " not reached within " + timeoutMillis + " ms; last seen: " + seen);
      }
      try {
        Thread.sleep(INTERVAL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      seen = value.get();
    }
    return seen;
  }
}
