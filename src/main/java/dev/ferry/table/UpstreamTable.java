package dev.ferry.table;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The upstream table of the cluster, a Hazelcast map from upstream name to upstream, and this
 * node's immutable snapshot of it. The snapshot follows the map's change events; writes go
 * through {@link TableWriter} under a cluster-wide lock.
 */
public final class UpstreamTable {

  static final String MAP = "ferry.upstreams";
  static final String META = "ferry.meta";

  private static final Logger log = Logger.getLogger(UpstreamTable.class.getName());

  private final Vertx vertx;
  private final IMap<String, String> map;
  private final List<Consumer<RoutingTable>> listeners = new ArrayList<>();
  private final Map<String, Seen> seen = new HashMap<>();
  private final List<Waiter> waiters = new ArrayList<>();
  private volatile RoutingTable snapshot = RoutingTable.EMPTY;
  private volatile long generation;
  private UUID listenerId;

  private record Seen(long revision, boolean removed) {
  }

  private record Waiter(Change change, Context context, Promise<Void> promise) {
  }

  public UpstreamTable(Vertx vertx, HazelcastInstance hazelcast) {
    this.vertx = vertx;
    this.map = hazelcast.getMap(MAP);
  }

  /** The snapshot in force; the proxies read only this. */
  public RoutingTable snapshot() {
    return snapshot;
  }

  /** Counts the snapshots swapped in on this node; read it before reading the snapshot. */
  public long generation() {
    return generation;
  }

  /** Called, on a Hazelcast or Vert.x thread, with each new snapshot. */
  public synchronized void onChange(Consumer<RoutingTable> listener) {
    listeners.add(listener);
  }

  /** Follows the cluster map and loads what it holds now. */
  public Future<Void> start() {
    return vertx.executeBlocking(() -> {
      listenerId = map.addEntryListener(new Follower(), true);
      for (String stored : map.values()) {
        applyPut(Upstream.fromStored(stored));
      }
      return null;
    });
  }

  public Future<Void> stop() {
    UUID id = listenerId;
    if (id == null) {
      return Future.succeededFuture();
    }
    return vertx.executeBlocking(() -> map.removeEntryListener(id)).mapEmpty();
  }

  /**
   * Re-reads the whole cluster map and makes the snapshot equal to it: upstreams whose stored
   * revision differs from this node's are taken as stored, local ones the map lacks are
   * dropped. The map is the truth here, even where its revision is lower than one this node
   * saw, as after a network partition healed; each entry is read again just before it is
   * applied, so that an event that came in meanwhile is not undone.
   */
  public Future<Integer> reconcile() {
    return vertx.executeBlocking(() -> {
      Map<String, String> all = new HashMap<>(map);
      int repaired = 0;
      for (Map.Entry<String, String> entry : all.entrySet()) {
        Upstream stored = Upstream.fromStored(entry.getValue());
        Upstream local = snapshot.upstream(entry.getKey());
        if (local == null || local.revision() != stored.revision()) {
          String fresh = map.get(entry.getKey());
          if (fresh != null) {
            repaired += force(Upstream.fromStored(fresh)) ? 1 : 0;
          }
        }
      }
      for (Upstream local : snapshot.upstreams().toArray(new Upstream[0])) {
        if (!all.containsKey(local.name()) && !map.containsKey(local.name())) {
          repaired += applyRemove(local) ? 1 : 0;
        }
      }
      warnOfSharedClaims(snapshot);
      return repaired;
    });
  }

  /**
   * Upstreams that share an alias or a port can only come from writes on both sides of a
   * network partition; the table cannot tell which one the operator meant, so it says so.
   */
  private static void warnOfSharedClaims(RoutingTable table) {
    Map<String, String> aliases = new HashMap<>();
    Map<Integer, String> ports = new HashMap<>();
    for (Upstream u : table.upstreams()) {
      String other = u.alias().isEmpty() ? null : aliases.putIfAbsent(u.alias(), u.name());
      if (other != null) {
        log.warning("Upstreams " + other + " and " + u.name() + " both have alias " + u.alias()
            + "; remove it from one of them");
      }
      Integer port = u.listenPort();
      String holder = port == 0 ? null : ports.putIfAbsent(port, u.name());
      if (holder != null) {
        log.warning("Upstreams " + holder + " and " + u.name() + " both listen on " + u.listen()
            + "; remove one of them");
      }
    }
  }

  private synchronized boolean force(Upstream stored) {
    Upstream local = snapshot.upstream(stored.name());
    if (local != null && local.revision() == stored.revision()) {
      return false;
    }
    seen.put(stored.name(), new Seen(stored.revision(), false));
    swap(snapshot.with(stored));
    return true;
  }

  /** Completes when this node's snapshot holds the change, or fails after the timeout. */
  public Future<Void> awaitApplied(Change change, long timeoutMillis) {
    Context context = vertx.getOrCreateContext();
    Promise<Void> promise = Promise.promise();
    synchronized (this) {
      if (holds(change)) {
        return Future.succeededFuture();
      }
      waiters.add(new Waiter(change, context, promise));
    }
    long timer = vertx.setTimer(timeoutMillis, t -> {
      synchronized (this) {
        waiters.removeIf(w -> w.promise == promise);
      }
      promise.tryFail("change to " + change.name() + " not applied within " + timeoutMillis
          + " ms");
    });
    return promise.future().onComplete(ar -> vertx.cancelTimer(timer));
  }

  IMap<String, String> map() {
    return map;
  }

  Vertx vertx() {
    return vertx;
  }

  private synchronized boolean holds(Change change) {
    Seen s = seen.get(change.name());
    if (s == null) {
      return false;
    }
    if (change.removed()) {
      return s.revision > change.revision() || (s.revision == change.revision() && s.removed);
    }
    return s.revision >= change.revision();
  }

  synchronized boolean applyPut(Upstream upstream) {
    Seen s = seen.get(upstream.name());
    if (s != null && upstream.revision() <= s.revision) {
      return false;
    }
    seen.put(upstream.name(), new Seen(upstream.revision(), false));
    swap(snapshot.with(upstream));
    return true;
  }

  synchronized boolean applyRemove(Upstream old) {
    Seen s = seen.get(old.name());
    if (s != null && (old.revision() < s.revision || s.removed)) {
      return false;
    }
    seen.put(old.name(), new Seen(old.revision(), true));
    swap(snapshot.without(old.name()));
    return true;
  }

  private void swap(RoutingTable next) {
    snapshot = next;
    generation++;
    for (Consumer<RoutingTable> listener : listeners) {
      try {
        listener.accept(next);
      } catch (RuntimeException e) {
        log.log(Level.SEVERE, "A table listener failed", e);
      }
    }
    for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
      Waiter w = it.next();
      if (holds(w.change)) {
        it.remove();
        w.context.runOnContext(v -> w.promise.tryComplete());
      }
    }
  }

  /** Applies the map's events to the snapshot, in the order Hazelcast gives for each name. */
  private final class Follower implements EntryAddedListener<String, String>,
      EntryUpdatedListener<String, String>, EntryRemovedListener<String, String> {

    @Override
    public void entryAdded(EntryEvent<String, String> event) {
      put(event);
    }

    @Override
    public void entryUpdated(EntryEvent<String, String> event) {
      put(event);
    }

    private void put(EntryEvent<String, String> event) {
      Upstream after = Upstream.fromStored(event.getValue());
      Upstream before = snapshot.upstream(after.name());
      if (applyPut(after)) {
        report(UpstreamDiff.describe(before, after), event.getValue());
      }
    }

    @Override
    public void entryRemoved(EntryEvent<String, String> event) {
      if (event.getOldValue() != null) {
        Upstream old = Upstream.fromStored(event.getOldValue());
        if (applyRemove(old)) {
          report(UpstreamDiff.describe(old, null), event.getOldValue());
        }
      }
    }

    private void report(String change, String stored) {
      if (change != null) {
        String by = Upstream.writerOf(stored);
        log.info(by == null ? change : change + " by " + by);
      }
    }
  }
}
