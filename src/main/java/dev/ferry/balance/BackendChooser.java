package dev.ferry.balance;

import dev.ferry.session.SessionStore;
import dev.ferry.session.StickySession;
import dev.ferry.table.Backend;
import dev.ferry.table.Upstream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Picks the backend for a new request or connection: the client's sticky backend while it
 * exists, else the next one by weight. One per event loop; it holds that loop's balancers.
 */
public final class BackendChooser {

  private final SessionStore sessions;
  private final Map<String, Balancer> balancers = new HashMap<>();

  public BackendChooser(SessionStore sessions) {
    this.sessions = sessions;
  }

  /**
   * The backend for this client, skipping those in {@code excluded} (backends already tried for
   * this request); null when no backend can take it.
   */
  public Backend choose(Upstream upstream, String clientIp, List<String> excluded) {
    if (upstream.sticky()) {
      StickySession session = sessions.get(upstream.name(), clientIp);
      Backend stuck = session == null ? null : upstream.backend(session.backendId());
      if (stuck != null && (excluded == null || !excluded.contains(stuck.id()))) {
        sessions.touch(session);
        return stuck;
      }
    }
    Backend picked = balancer(upstream).next(excluded);
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
