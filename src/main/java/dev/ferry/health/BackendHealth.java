package dev.ferry.health;

import dev.ferry.table.Backend;
import dev.ferry.table.RoutingTable;
import dev.ferry.table.Upstream;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.logging.Logger;

/**
 * What this node knows of its backends' health: passive ejection from the failures its own
 * traffic meets, and the verdicts of the active checks. Every event loop reads and reports
 * here; the proxies' reads take no lock, and only backends that ever failed or are checked have
 * an entry.
 */
public final class BackendHealth {

  private static final Logger log = Logger.getLogger(BackendHealth.class.getName());

  private final int ejectAfter;
  private final long ejectMillis;
  private final LongSupplier clock;
  private final Map<String, Map<String, BackendState>> byUpstream = new ConcurrentHashMap<>();

  /** {@code ejectAfter} failures in a row eject a backend for {@code ejectFor}; 0 never. */
  public BackendHealth(int ejectAfter, Duration ejectFor, LongSupplier clock) {
    this.ejectAfter = ejectAfter;
    this.ejectMillis = ejectFor.toMillis();
    this.clock = clock;
  }

  public BackendHealth(int ejectAfter, Duration ejectFor) {
    this(ejectAfter, ejectFor, System::currentTimeMillis);
  }

  /**
   * Which backends of the upstream take new clients now; null when all do, which is the
   * common case and costs one map lookup.
   */
  public Predicate<Backend> takingClients(String upstream) {
    Map<String, BackendState> states = byUpstream.get(upstream);
    if (states == null || states.isEmpty()) {
      return null;
    }
    long now = clock.getAsLong();
    return backend -> {
      BackendState state = states.get(backend.id());
      return state == null || state.takesClients(now);
    };
  }

  /** A connection to the backend failed, or it broke off before answering. */
  public void failed(String upstream, Backend backend) {
    if (ejectAfter == 0) {
      return;
    }
    BackendState state = state(upstream, backend);
    long now = clock.getAsLong();
    if (state.failed(ejectAfter, now, now + ejectMillis)) {
      log.info("Backend " + backend.id() + " (" + backend.hostPort() + ") of upstream "
          + upstream + " ejected for " + ejectMillis + " ms after " + ejectAfter
          + " failures in a row");
    }
  }

  /** The backend answered; ends an ejection. */
  public void succeeded(String upstream, Backend backend) {
    Map<String, BackendState> states = byUpstream.get(upstream);
    BackendState state = states == null ? null : states.get(backend.id());
    if (state != null && state.succeeded()) {
      log.info("Backend " + backend.id() + " (" + backend.hostPort() + ") of upstream "
          + upstream + " answers again and takes new clients");
    }
  }

  /**
   * Records one active check's result: {@code failure} says why it failed, or is null when it
   * passed. {@code unhealthy} failures in a row take the backend down, {@code healthy} passes in
   * a row bring it back; a backend not yet checked is up after its first pass.
   */
  public void checked(String upstream, Backend backend, String failure, int healthy,
      int unhealthy) {
    BackendState state = state(upstream, backend);
    Verdict before = state.verdict;
    Verdict after = state.checked(failure == null, healthy, unhealthy);
    String who = "Backend " + backend.id() + " (" + backend.hostPort() + ") of upstream "
        + upstream;
    if (after == Verdict.DOWN && before != Verdict.DOWN) {
      log.info(who + " is down: its health check failed " + unhealthy + " times in a row ("
          + failure + ")");
    } else if (after == Verdict.UP && before == Verdict.DOWN) {
      log.info(who + " is up again: its health check passed " + healthy + " times in a row");
    }
  }

  /** Forgets the active verdicts of an upstream whose check was removed. */
  public void uncheck(String upstream) {
    Map<String, BackendState> states = byUpstream.get(upstream);
    if (states != null) {
      states.values().forEach(BackendState::uncheck);
    }
  }

  /** {@code up}, {@code down}, {@code ejected} or {@code unchecked}, as the admin API shows. */
  public String status(String upstream, String backendId) {
    Map<String, BackendState> states = byUpstream.get(upstream);
    BackendState state = states == null ? null : states.get(backendId);
    return state == null ? "unchecked" : state.status(clock.getAsLong());
  }

  /** Drops what is known of backends that left the table or moved to another address. */
  public void retain(RoutingTable table) {
    byUpstream.entrySet().removeIf(entry -> {
      Upstream u = table.upstream(entry.getKey());
      if (u == null) {
        return true;
      }
      entry.getValue().entrySet().removeIf(e -> {
        Backend b = u.backend(e.getKey());
        return b == null || !b.hostPort().equals(e.getValue().address);
      });
      return false;
    });
  }

  private BackendState state(String upstream, Backend backend) {
    return byUpstream.computeIfAbsent(upstream, k -> new ConcurrentHashMap<>())
        .computeIfAbsent(backend.id(), k -> new BackendState(backend.hostPort()));
  }

  /** The active checks' view of a backend. */
  private enum Verdict { UNCHECKED, UP, DOWN }

  /**
   * One backend's health. The passive fields are written by every event loop; the active ones
   * by the health checker's loop only, and {@code verdict} is read by all.
   */
  private static final class BackendState {

    final String address;
    private volatile int failures;
    private volatile long ejectedUntil;
    private volatile Verdict verdict = Verdict.UNCHECKED;
    private int passes;
    private int misses;

    BackendState(String address) {
      this.address = address;
    }

    boolean takesClients(long now) {
      return verdict != Verdict.DOWN && ejectedUntil <= now;
    }

    /** Answers true when this failure ejects a backend that was taking clients. */
    synchronized boolean failed(int limit, long now, long until) {
      failures++;
      if (failures < limit) {
        return false;
      }
      boolean wasTaking = ejectedUntil == 0;
      ejectedUntil = until;
      return wasTaking;
    }

    /** Answers true when this success ends an ejection. */
    boolean succeeded() {
      if (ejectedUntil == 0 && failures == 0) {
        return false;
      }
      synchronized (this) {
        boolean wasEjected = ejectedUntil != 0;
        failures = 0;
        ejectedUntil = 0;
        return wasEjected;
      }
    }

    /** The verdict after this result. */
    Verdict checked(boolean passed, int healthy, int unhealthy) {
      Verdict before = verdict;
      if (passed) {
        misses = 0;
        passes++;
        if (before == Verdict.UNCHECKED || (before == Verdict.DOWN && passes >= healthy)) {
          verdict = Verdict.UP;
        }
      } else {
        passes = 0;
        misses++;
        if (before != Verdict.DOWN && misses >= unhealthy) {
          verdict = Verdict.DOWN;
        }
      }
      return verdict;
    }

    void uncheck() {
      verdict = Verdict.UNCHECKED;
      passes = 0;
      misses = 0;
    }

    String status(long now) {
      if (verdict == Verdict.DOWN) {
        return "down";
      }
      if (ejectedUntil > now) {
        return "ejected";
      }
      return verdict == Verdict.UP ? "up" : "unchecked";
    }
  }
}
