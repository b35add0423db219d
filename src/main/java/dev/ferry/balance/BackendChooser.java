package dev.ferry.balance;

import dev.ferry.health.BackendHealth;
import dev.ferry.session.SessionStore;
import dev.ferry.session.StickySession;
import dev.ferry.table.Backend;
import dev.ferry.table.Upstream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Picks the backend for a new request or connection: the client's sticky backend while it
 * exists and is healthy, else the next healthy one by weight. When no backend is healthy, they
 * are tried all the same, as nginx does: the verdicts may be stale, and an answer from a backend
 * thought down beats a certain 502. One per event loop; it holds that loop's balancers.
 */
public final class BackendChooser {

  private final SessionStore sessions;
  private final BackendHealth health;
  private final Map<String, Balancer> balancers = new HashMap<>();

  public BackendChooser(SessionStore sessions, BackendHealth health) {
    this.sessions = sessions;
    this.health = health;
  }

  /**
   * The backend for this client, skipping those in {@code excluded} (backends already tried for
   * this request); null when no backend can take it.
   */
  public Backend choose(Upstream upstream, String clientIp, List<String> excluded) {
    Predicate<Backend> healthy = health.takingClients(upstream.name());
    StickySession session = null;
    Backend stuck = null;
    if (upstream.sticky()) {
      session = sessions.get(upstream.name(), clientIp);
      stuck = session == null ? null : upstream.backend(session.backendId());
      if (stuck != null && excluded != null && excluded.contains(stuck.id())) {
        stuck = null;
      }
      if (stuck != null && (healthy == null || healthy.test(stuck))) {
        sessions.touch(session);
        return stuck;
      }
    }
    Balancer balancer = balancer(upstream);
    Backend picked = balancer.next(excluded, healthy);
    if (picked == null && healthy != null) {
      if (stuck != null) {
        sessions.touch(session);
        return stuck;
      }
      picked = balancer.next(excluded);
    }
    if (picked != null && upstream.sticky()) {
      sessions.stick(upstream.name(), clientIp, picked.id());
    }
    return picked;
  }

  private Balancer balancer(Upstream upstream) {
    Balancer balancer = balancers.get(upstream.name());
    if (balancer == null || balancer.upstream() != upstream) {
      balancer = new Balancer(upstream);
      balancers.put(upstream.name(), balancer);
    }
    return balancer;
  }

  /** Drops the balancers of upstreams that are gone. */
  public void retainOnly(java.util.function.Predicate<String> exists) {
    balancers.keySet().removeIf(name -> !exists.test(name));
  }
}
