package dev.ferry.balance;

import dev.ferry.table.Backend;
import dev.ferry.table.Upstream;
import java.util.List;
import java.util.function.Predicate;

/**
 * Smooth weighted round robin over one version of an upstream's backends: each pick raises
 * every backend by its weight and lowers the chosen one by the total, so a backend of weight 3
 * beside one of weight 1 is chosen a, a, b, a rather than a, a, a, b. Not thread-safe: each event
 * loop keeps its own.
 */
public final class Balancer {

  private final Upstream upstream;
  private final int[] current;

  public Balancer(Upstream upstream) {
    this.upstream = upstream;
    this.current = new int[upstream.backends().size()];
  }

  public Upstream upstream() {
    return upstream;
  }

  /** The next backend with a weight above 0 and not in {@code excluded}; null when none. */
  public Backend next(List<String> excluded) {
    return next(excluded, null);
  }

  /**
   * The same among the backends {@code usable} accepts (all when it is null). The others keep
   * their place in the rotation, so their share resumes where it was when they come back.
   */
  public Backend next(List<String> excluded, Predicate<Backend> usable) {
    List<Backend> backends = upstream.backends();
    int total = 0;
    int best = -1;
    for (int i = 0; i < backends.size(); i++) {
      Backend b = backends.get(i);
      if (b.weight() == 0 || (excluded != null && excluded.contains(b.id()))
          || (usable != null && !usable.test(b))) {
        continue;
      }
      current[i] += b.weight();
      total += b.weight();
      if (best < 0 || current[i] > current[best]) {
        best = i;
      }
    }
    if (best < 0) {
      return null;
    }
    current[best] -= total;
    return backends.get(best);
  }
}
