package dev.ferry.stats;

import dev.ferry.config.Durations;
import dev.ferry.config.FerryConfig;
import dev.ferry.health.BackendHealth;
import dev.ferry.limits.ConnectionLimit;
import dev.ferry.table.Backend;
import dev.ferry.table.RoutingTable;
import dev.ferry.table.Upstream;
import dev.ferry.table.UpstreamTable;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * All traffic counters of this node. The proxy verticles send it batched deltas; the admin API
 * asks it for the numbers. A backend's counters exist while the backend is in the table, and
 * after it left until its last client has gone.
 */
public final class StatsVerticle extends VerticleBase {

  public static final String DELTAS = "ferry.stats.deltas";
  public static final String QUERY = "ferry.stats.query";
  public static final String LISTENER = "ferry.stats.listener";
  /** Followed by a node id: that node's counters, asked for by any node of the cluster. */
  public static final String NODE_QUERY = "ferry.stats.node.";

  private final FerryConfig config;
  private final UpstreamTable table;
  private final BackendHealth health;
  private final String nodeId;
  private final ConnectionLimit connections;
  private final FerryMetrics metrics;
  private final Counters global = new Counters();
  /** Series of requests that reached an upstream but no backend, by upstream. */
  private final Map<String, BackendMeters> withoutBackend = new HashMap<>();
  /** The table the counters were last matched to. */
  private RoutingTable followed;
  /** Whether some counters are kept for backends no longer in {@link #followed}. */
  private boolean outliving;
  private BackendMeters withoutUpstream;
  /** Counters by upstream and backend; answers list them in name order. */
  private final Map<String, Map<String, Counters>> backends = new HashMap<>();
  private final Map<String, Listener> listeners = new TreeMap<>();

  private static final class Listener {
    final Counters counters = new Counters();
    int servingInstances;
    long servingSince;
    String error;
  }

  public StatsVerticle(FerryConfig config, UpstreamTable table, BackendHealth health,
      String nodeId, ConnectionLimit connections, FerryMetrics metrics) {
    this.config = config;
    this.table = table;
    this.health = health;
    this.nodeId = nodeId;
    this.connections = connections;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    vertx.setPeriodic(1000, t -> tick());
    vertx.eventBus().registerDefaultCodec(DeltaBatch.class, new DeltaBatch.LocalCodec());
    Future<Void> deltas = vertx.eventBus().<DeltaBatch>localConsumer(DELTAS,
        msg -> msg.body().deltas().forEach(this::add)).completion();
    Future<Void> queries = vertx.eventBus().<JsonObject>localConsumer(QUERY,
        msg -> msg.reply(answer(msg.body()))).completion();
    Future<Void> remoteQueries = vertx.eventBus().<JsonObject>consumer(NODE_QUERY + nodeId,
        msg -> msg.reply(answer(msg.body()))).completion();
    Future<Void> listenerEvents = vertx.eventBus().<JsonObject>localConsumer(LISTENER,
        msg -> listenerEvent(msg.body())).completion();
    return Future.all(deltas, queries, remoteQueries, listenerEvents);
  }

  private void add(TrafficDelta delta) {
    global.add(delta);
    String upstream = delta.upstream;
    String backend = delta.backend;
    if (upstream != null && backend != null) {
      Counters c = backends.computeIfAbsent(upstream, k -> new HashMap<>())
          .computeIfAbsent(backend, k -> {
            // Counts may come in for a backend the table has just lost.
            outliving = true;
            return counters(upstream, backend);
          });
      c.add(delta);
      c.meters.add(delta);
    } else if (upstream != null) {
      withoutBackend.computeIfAbsent(upstream, k -> metrics.backend(upstream, null, null))
          .add(delta);
    } else if (delta.listen == null) {
      if (withoutUpstream == null) {
        withoutUpstream = metrics.backend(null, null, null);
      }
      withoutUpstream.add(delta);
    }
    if (delta.listen != null) {
      listeners.computeIfAbsent(delta.listen, k -> new Listener()).counters.add(delta);
    }
  }

  private Counters counters(String upstream, String backend) {
    Counters c = new Counters();
    c.meters = metrics.backend(upstream, backend, c);
    return c;
  }

  private void listenerEvent(JsonObject event) {
    Listener l = listeners.computeIfAbsent(event.getString("listen"), k -> new Listener());
    if (event.getBoolean("failed", false)) {
      l.error = event.getString("error");
    } else if (event.getBoolean("serving")) {
      l.error = null;
      if (l.servingInstances++ == 0) {
        l.servingSince = System.currentTimeMillis();
      }
    } else {
      l.servingInstances = Math.max(0, l.servingInstances - 1);
    }
  }

  /**
   * Samples every counter for the rates, once a second. The counters follow the table only
   * when it changed or some counters outlived their backend: with 10,000 upstreams, walking
   * the table each second was a visible share of a profile under load.
   */
  private void tick() {
    long now = System.currentTimeMillis();
    RoutingTable snapshot = table.snapshot();
    if (snapshot != followed || outliving) {
      follow(snapshot);
    }
    global.sample(now);
    for (Map<String, Counters> own : backends.values()) {
      for (Counters c : own.values()) {
        c.sample(now);
        c.meters.publish();
      }
    }
    withoutBackend.values().forEach(BackendMeters::publish);
    if (withoutUpstream != null) {
      withoutUpstream.publish();
    }
    listeners.entrySet().removeIf(e -> e.getValue().servingInstances == 0
        && e.getValue().counters.active <= 0
        && snapshot.byPort(Integer.parseInt(e.getKey().substring(1))) == null);
    listeners.values().forEach(l -> l.counters.sample(now));
  }

  /**
   * Gives every backend of the table its counters and drops those of backends gone from it,
   * once no client of theirs is left.
   */
  private void follow(RoutingTable snapshot) {
    followed = snapshot;
    outliving = false;
    for (Upstream u : snapshot.upstreams()) {
      Map<String, Counters> own = backends.computeIfAbsent(u.name(), k -> new HashMap<>());
      for (Backend b : u.backends()) {
        own.computeIfAbsent(b.id(), k -> counters(u.name(), b.id()));
      }
    }
    for (Iterator<Map.Entry<String, Map<String, Counters>>> it = backends.entrySet().iterator();
        it.hasNext(); ) {
      Map.Entry<String, Map<String, Counters>> entry = it.next();
      Upstream u = snapshot.upstream(entry.getKey());
      entry.getValue().entrySet().removeIf(e -> {
        boolean inTable = u != null && u.backend(e.getKey()) != null;
        if (inTable) {
          return false;
        }
        if (e.getValue().active > 0) {
          outliving = true;
          return false;
        }
        e.getValue().meters.remove();
        return true;
      });
      if (entry.getValue().isEmpty()) {
        it.remove();
      }
    }
    withoutBackend.entrySet().removeIf(e -> {
      boolean gone = snapshot.upstream(e.getKey()) == null;
      if (gone) {
        e.getValue().remove();
      }
      return gone;
    });
  }

  private JsonObject answer(JsonObject query) {
    String upstream = query == null ? null : query.getString("upstream");
    String backend = query == null ? null : query.getString("backend");
    if (upstream != null) {
      Map<String, Counters> own = backends.getOrDefault(upstream, Map.of());
      if (backend != null) {
        Counters c = own.get(backend);
        return c == null ? new JsonObject()
            : c.backendJson().put("health", health.status(upstream, backend));
      }
      return backendsJson(upstream, own);
    }
    JsonObject perUpstream = new JsonObject();
    JsonArray only = query == null ? null : query.getJsonArray("only");
    Set<?> wanted = only == null ? null : new HashSet<>(only.getList());
    new TreeMap<>(backends).forEach((name, own) -> {
      if (wanted == null || wanted.contains(name)) {
        perUpstream.put(name, backendsJson(name, own));
      }
    });
    JsonObject tcpd = new JsonObject();
    listeners.forEach((listen, l) -> {
      JsonObject entry = new JsonObject()
          .put("active_clients", l.counters.active)
          .put("listen", listen)
          .put("serving", l.servingInstances > 0)
          .put("uptime", l.servingInstances > 0
              ? Durations.format(Duration.ofMillis(System.currentTimeMillis() - l.servingSince))
              : "0s");
      if (l.error != null && l.servingInstances == 0) {
        entry.put("error", l.error);
      }
      tcpd.put(listen, entry);
    });
    return new JsonObject()
        .put("counter", new JsonObject().put("global", global.globalJson()
                .put("client_connections", connections.open())
                .put("refused_connections", connections.refused()))
            .put("upstream", perUpstream))
        .put("httpd", config.listenAddr().toString())
        .put("httpdTLS", config.tlsListenAddr() == null ? "" : config.tlsListenAddr().toString())
        .put("tcpd", tcpd);
  }

  private JsonObject backendsJson(String upstream, Map<String, Counters> own) {
    JsonObject out = new JsonObject();
    new TreeMap<>(own).forEach((id, c) ->
        out.put(id, c.backendJson().put("health", health.status(upstream, id))));
    return out;
  }
}
