package dev.ferry;

import com.hazelcast.core.HazelcastInstance;
import dev.ferry.admin.AdminVerticle;
import dev.ferry.cluster.ChangeConfirmations;
import dev.ferry.cluster.ClusterMembers;
import dev.ferry.cluster.ClusterSetup;
import dev.ferry.config.ConfigException;
import dev.ferry.config.Durations;
import dev.ferry.config.FerryConfig;
import dev.ferry.health.BackendHealth;
import dev.ferry.health.HealthVerticle;
import dev.ferry.http.HttpProxyVerticle;
import dev.ferry.http.SchemeProbe;
import dev.ferry.limits.ConnectionLimit;
import dev.ferry.logging.AccessLog;
import dev.ferry.session.SessionStore;
import dev.ferry.stats.FerryMetrics;
import dev.ferry.stats.StatsVerticle;
import dev.ferry.table.StateFile;
import dev.ferry.table.TableWriter;
import dev.ferry.table.UpstreamTable;
import dev.ferry.tcp.ListenerSync;
import dev.ferry.tcp.TcpProxyVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.transport.Transport;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * One Ferry node: a clustered Vert.x instance, the shared table and sessions, this node's view
 * of its backends' health, and the verticles that serve them. Several nodes can run in one
 * JVM, as the tests do.
 */
public final class FerryNode {

  /** Published on this node only when a new routing snapshot is in force. */
  public static final String TABLE_CHANGED = "ferry.table.changed";
  /** How often a node compares its snapshot with the cluster map. */
  static final long RECONCILE_MILLIS = 10_000;

  private static final Logger log = Logger.getLogger(FerryNode.class.getName());
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private final FerryConfig config;
  private final Vertx vertx;
  private final HazelcastClusterManager cluster;
  private final String registryName;
  private String transportName;
  private final UpstreamTable table;
  private final TableWriter writer;
  private final SessionStore sessions;
  private final SchemeProbe schemes;
  private final BackendHealth health;
  private final ChangeConfirmations confirmations;
  private final ListenerSync listenerSync;
  private final ClusterMembers members;
  private final StateFile stateFile;
  private final ConnectionLimit connectionLimit;
  private final AccessLog accessLog;
  private final FerryMetrics metrics;
  private final List<String> proxyDeployments = Collections.synchronizedList(new ArrayList<>());
  private volatile boolean ready;

  private FerryNode(FerryConfig config, Vertx vertx, HazelcastClusterManager cluster,
      String registryName, AccessLog accessLog) {
    this.config = config;
    this.vertx = vertx;
    this.cluster = cluster;
    this.registryName = registryName;
    HazelcastInstance hazelcast = cluster.getHazelcastInstance();
    this.table = new UpstreamTable(vertx, hazelcast);
    this.members = new ClusterMembers(vertx, cluster, hazelcast, config);
    this.writer = new TableWriter(table, hazelcast, members::reservedPorts,
        members.describeSelf());
    this.sessions = new SessionStore(vertx, hazelcast, config.sessionTimeout());
    this.schemes = new SchemeProbe(vertx, writer, config.backendConnectTimeout());
    this.health = new BackendHealth(config.ejectAfterFailures(), config.ejectFor());
    this.listenerSync = new ListenerSync(vertx);
    this.confirmations = new ChangeConfirmations(vertx, cluster, table, listenerSync,
        members.describeSelf());
    this.stateFile = config.stateFile().isEmpty() ? null
        : new StateFile(vertx, Path.of(config.stateFile()), table);
    this.connectionLimit = new ConnectionLimit(config.maxConnections());
    this.accessLog = accessLog;
    this.metrics = FerryMetrics.of(registryName);
    metrics.watch(table, sessions, cluster);
    metrics.watch(accessLog);
  }

  /** Joins the cluster and starts serving; call it from a thread that is not Vert.x's. */
  public static Future<FerryNode> start(FerryConfig config) {
    Transport transport;
    try {
      transport = NetworkTransport.choose();
    } catch (ConfigException e) {
      return Future.failedFuture(e);
    }
    AccessLog accessLog;
    try {
      accessLog = AccessLog.open(config.accessLog(), config.accessLogFormat());
    } catch (IOException e) {
      return Future.failedFuture(new IllegalStateException("accessLog " + config.accessLog()
          + " cannot be opened: " + e.getMessage()));
    }
    String registryName = "ferry-" + UUID.randomUUID();
    HazelcastClusterManager cluster =
        new HazelcastClusterManager(ClusterSetup.hazelcastConfig(config));
    VertxOptions options = new VertxOptions()
        .setMetricsOptions(new MicrometerMetricsOptions()
            .setEnabled(true)
            .setRegistryName(registryName)
            .setJvmMetricsEnabled(true)
            // Vert.x's metrics of connections and requests look up tagged meters on every
            // request or read (a tenth of the proxy's CPU in a profile for the backend side,
            // as much again for the listeners) and only repeat what the ferry_* series say
            // per upstream and backend. The JVM's and the event loops' series stay.
            .addDisabledMetricsCategory(MetricsDomain.HTTP_CLIENT)
            .addDisabledMetricsCategory(MetricsDomain.NET_CLIENT)
            .addDisabledMetricsCategory(MetricsDomain.HTTP_SERVER)
            .addDisabledMetricsCategory(MetricsDomain.NET_SERVER)
            .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true)));
    options.getEventBusOptions().setHost(config.advertiseIP());
    return Vertx.builder().with(options).withTransport(transport).withClusterManager(cluster)
        .buildClustered()
        .compose(vertx -> {
          FerryNode node = new FerryNode(config, vertx, cluster, registryName, accessLog);
          node.transportName = transport.name();
          return node.serve().map(node).recover(err -> vertx.close().transform(v ->
              Future.failedFuture(err)));
        })
        .onFailure(err -> accessLog.close());
  }

  private Future<Void> serve() {
    table.onChange(snapshot -> {
      sessions.retain(snapshot);
      vertx.eventBus().publish(TABLE_CHANGED, null, LOCAL);
      if (stateFile != null) {
        stateFile.changed();
      }
    });
    int loops = VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE / 2;
    AtomicInteger tcpInstance = new AtomicInteger();
    return Future.all(table.start(), sessions.start(), confirmations.start(), members.register(),
            members.follow())
        .compose(v -> restoreFromStateFile())
        .compose(v -> vertx.deployVerticle(
            new StatsVerticle(config, table, health, nodeId(), connectionLimit, metrics)))
        .compose(v -> vertx.deployVerticle(new HealthVerticle(table, health, schemes)))
        .compose(v -> vertx.deployVerticle(() -> new HttpProxyVerticle(this),
            new DeploymentOptions().setInstances(loops)))
        .onSuccess(proxyDeployments::add)
        .compose(v -> vertx.deployVerticle(
            () -> new TcpProxyVerticle(this, tcpInstance.getAndIncrement()),
            new DeploymentOptions().setInstances(loops)))
        .onSuccess(proxyDeployments::add)
        .compose(v -> vertx.deployVerticle(new AdminVerticle(this)))
        .onSuccess(v -> {
          vertx.setPeriodic(1000, t -> sessions.sweep());
          vertx.setPeriodic(RECONCILE_MILLIS, t -> reconcile());
          ready = true;
          log.info("Ferry node " + cluster.getNodeId() + " serving HTTP on "
              + config.listenAddr() + ", admin on " + config.adminListenAddr() + ", "
              + table.snapshot().size() + " upstreams, " + cluster.getNodes().size()
              + " nodes in cluster " + config.clusterName() + " ("
              + transportName + " transport)");
        })
        .mapEmpty();
  }

  /**
   * Loads the table from the state file when the cluster has none yet, so that a cluster
   * restarted as a whole keeps its upstreams, even when all its nodes start at once: the first
   * node with a non-empty file restores it, under the table lock. A node that joins a cluster
   * with a table takes that table instead, since its file may be older, and writes it down.
   */
  private Future<Void> restoreFromStateFile() {
    if (stateFile == null) {
      return Future.succeededFuture();
    }
    return stateFile.read()
        .compose(writer::restore)
        .compose(count -> table.reconcile().map(count))
        .onSuccess(count -> {
          if (count > 0) {
            log.info("Restored " + count + " upstreams from state file " + config.stateFile());
          } else if (count < 0) {
            stateFile.changed();
          }
        })
        .mapEmpty();
  }

  private void reconcile() {
    table.reconcile().onSuccess(repaired -> {
      if (repaired > 0) {
        log.warning("Repaired " + repaired + " upstreams that this node's table had missed");
      }
    });
  }

  /**
   * Stops accepting, lets requests and connections in flight finish for up to
   * {@code drainTimeout}, then leaves the cluster.
   */
  public Future<Void> stop() {
    ready = false;
    String nodeId = cluster.getNodeId();
    log.info("Ferry node " + nodeId + " stopping: no new clients, up to "
        + Durations.format(config.drainTimeout()) + " for those in flight");
    List<Future<Void>> draining = new ArrayList<>();
    for (String id : new ArrayList<>(proxyDeployments)) {
      draining.add(vertx.undeploy(id));
    }
    return Future.join(draining)
        .transform(v -> members.leave())
        .transform(v -> Future.join(table.stop(), sessions.stop(), confirmations.stop()))
        .transform(v -> vertx.close())
        .onComplete(ar -> accessLog.close())
        .onComplete(ar -> log.info("Ferry node " + nodeId + " left cluster "
            + config.clusterName()));
  }

  public FerryConfig config() {
    return config;
  }

  public Vertx vertx() {
    return vertx;
  }

  public UpstreamTable table() {
    return table;
  }

  public TableWriter writer() {
    return writer;
  }

  public SessionStore sessions() {
    return sessions;
  }

  public SchemeProbe schemes() {
    return schemes;
  }

  public BackendHealth health() {
    return health;
  }

  public ChangeConfirmations confirmations() {
    return confirmations;
  }

  public ListenerSync listenerSync() {
    return listenerSync;
  }

  public ClusterMembers members() {
    return members;
  }

  public io.vertx.core.spi.cluster.ClusterManager clusterManager() {
    return cluster;
  }

  public String nodeId() {
    return cluster.getNodeId();
  }

  public String registryName() {
    return registryName;
  }

  public boolean ready() {
    return ready;
  }

  public ConnectionLimit connectionLimit() {
    return connectionLimit;
  }

  public AccessLog accessLog() {
    return accessLog;
  }

  public FerryMetrics metrics() {
    return metrics;
  }
}
