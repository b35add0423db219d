package dev.ferry.session;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryEvictedListener;
import com.hazelcast.map.listener.EntryExpiredListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import dev.ferry.table.Backend;
import dev.ferry.table.RoutingTable;
import dev.ferry.table.Upstream;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The sticky sessions of the cluster: a Hazelcast map whose entries live for the session timeout,
 * mirrored in a local map that the proxies read without a remote call. A session in use is
 * written again only once per refresh step, so steady traffic does not write to the cluster.
 */
public final class SessionStore {

  static final String MAP = "ferry.sessions";

  private static final Logger log = Logger.getLogger(SessionStore.class.getName());

  private final Vertx vertx;
  private final IMap<String, String> map;
  private final Map<String, StickySession> local = new ConcurrentHashMap<>();
  private final long timeoutMillis;
  private final long refreshMillis;
  private UUID listenerId;

  public SessionStore(Vertx vertx, HazelcastInstance hazelcast, Duration timeout) {
    this.vertx = vertx;
    this.map = hazelcast.getMap(MAP);
    this.timeoutMillis = timeout.toMillis();
    this.refreshMillis = Math.min(5_000, Math.max(250, timeoutMillis / 4));
  }

  static String key(String upstream, String clientIp) {
    return upstream + "/" + clientIp;
  }

  /** Follows the cluster map and loads the sessions it holds now. */
  public Future<Void> start() {
    return vertx.executeBlocking(() -> {
      listenerId = map.addEntryListener(new Follower(), true);
      for (String stored : map.values()) {
        merge(StickySession.decode(stored));
      }
      return null;
    });
  }

  public Future<Void> stop() {
    UUID id = listenerId;
    return id == null ? Future.succeededFuture()
        : vertx.executeBlocking(() -> map.removeEntryListener(id)).mapEmpty();
  }

  /** The live session of this client in this upstream, or null. */
  public StickySession get(String upstream, String clientIp) {
    StickySession s = local.get(key(upstream, clientIp));
    return s == null || expired(s, System.currentTimeMillis()) ? null : s;
  }

  /** Makes or moves a session. */
  public void stick(String upstream, String clientIp, String backendId) {
    write(new StickySession(upstream, clientIp, backendId, System.currentTimeMillis()));
  }

  /** Marks a session used; it is written to the cluster when its last write is a step old. */
  public void touch(StickySession session) {
    long now = System.currentTimeMillis();
    if (now - session.updatedAt() >= refreshMillis) {
      write(new StickySession(session.upstream(), session.clientIp(), session.backendId(), now));
    }
  }

  private void write(StickySession session) {
    local.put(session.key(), session);
    map.setAsync(session.key(), session.encode(), timeoutMillis, TimeUnit.MILLISECONDS)
        .whenComplete((v, err) -> {
          if (err != null) {
            log.log(Level.WARNING, "Could not store the sticky session of " + session.clientIp()
                + " in " + session.upstream() + ": " + err.getMessage());
          }
        });
  }

  /** Removes, on every node, the sessions that stick to a backend that was removed. */
  public Future<Void> forgetBackend(String upstream, String backendId) {
    return vertx.executeBlocking(() -> {
      for (StickySession s : local.values()) {
        if (s.upstream().equals(upstream) && s.backendId().equals(backendId)) {
          local.remove(s.key(), s);
          map.delete(s.key());
        }
      }
      return null;
    });
  }

  /** Drops local sessions whose upstream or backend is no longer in the table. */
  public void retain(RoutingTable table) {
    local.values().removeIf(s -> {
      Upstream u = table.upstream(s.upstream());
      return u == null || u.backend(s.backendId()) == null;
    });
  }

  /** Drops local sessions past their timeout, in case the cluster's expiry event is late. */
  public int sweep() {
    long now = System.currentTimeMillis();
    int before = local.size();
    local.values().removeIf(s -> expired(s, now));
    return before - local.size();
  }

  public int size() {
    return local.size();
  }

  private boolean expired(StickySession s, long now) {
    return now - s.updatedAt() >= timeoutMillis;
  }

  private void merge(StickySession incoming) {
    local.merge(incoming.key(), incoming,
        (old, fresh) -> fresh.updatedAt() >= old.updatedAt() ? fresh : old);
  }

  private void forget(String key, String oldValue) {
    if (oldValue == null) {
      local.computeIfPresent(key,
          (k, s) -> expired(s, System.currentTimeMillis()) ? null : s);
      return;
    }
    StickySession removed = StickySession.decode(oldValue);
    local.computeIfPresent(key, (k, s) -> s.updatedAt() <= removed.updatedAt() ? null : s);
  }

  /** Sessions by upstream and client IP, with their backend as the table has it now. */
  public JsonObject toJson(RoutingTable table) {
    Map<String, JsonObject> byUpstream = new TreeMap<>();
    long now = System.currentTimeMillis();
    for (StickySession s : local.values()) {
      Upstream u = table.upstream(s.upstream());
      Backend b = u == null ? null : u.backend(s.backendId());
      if (b == null || expired(s, now)) {
        continue;
      }
      JsonObject entry = b.toJson().put("updated_at", formatTime(s.updatedAt()));
      byUpstream.computeIfAbsent(s.upstream(), k -> new JsonObject()).put(s.clientIp(), entry);
    }
    JsonObject out = new JsonObject();
    byUpstream.forEach(out::put);
    return out;
  }

  /** The number of live sessions of each upstream that has any, as the table has it now. */
  public JsonObject counts(RoutingTable table) {
    Map<String, Integer> byUpstream = new TreeMap<>();
    long now = System.currentTimeMillis();
    for (StickySession s : local.values()) {
      Upstream u = table.upstream(s.upstream());
      if (u != null && u.backend(s.backendId()) != null && !expired(s, now)) {
        byUpstream.merge(s.upstream(), 1, Integer::sum);
      }
    }
    JsonObject out = new JsonObject();
    byUpstream.forEach(out::put);
    return out;
  }

  static String formatTime(long millis) {
    return OffsetDateTime.ofInstant(Instant.ofEpochMilli(millis), ZoneId.systemDefault())
        .format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
  }

  private final class Follower implements EntryAddedListener<String, String>,
      EntryUpdatedListener<String, String>, EntryRemovedListener<String, String>,
      EntryExpiredListener<String, String>, EntryEvictedListener<String, String> {

    @Override
    public void entryAdded(EntryEvent<String, String> event) {
      merge(StickySession.decode(event.getValue()));
    }

    @Override
    public void entryUpdated(EntryEvent<String, String> event) {
      merge(StickySession.decode(event.getValue()));
    }

    @Override
    public void entryRemoved(EntryEvent<String, String> event) {
      forget(event.getKey(), event.getOldValue());
    }

    @Override
    public void entryExpired(EntryEvent<String, String> event) {
      forget(event.getKey(), event.getOldValue());
    }

    @Override
    public void entryEvicted(EntryEvent<String, String> event) {
      forget(event.getKey(), event.getOldValue());
    }
  }
}
