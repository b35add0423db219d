package dev.ferry.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.ferry.config.Durations;
import dev.ferry.config.FerryConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.logging.Logger;

/**
 * What each node tells the others about itself: its addresses and ports, kept in a cluster map
 * by node id. Entries of nodes that left are skipped and pruned.
 */
public final class ClusterMembers {

  private static final String MAP = "ferry.members";
  private static final Logger log = Logger.getLogger(ClusterMembers.class.getName());
  /** The member attribute in which Vert.x's cluster manager keeps each node's id. */
  private static final String NODE_ID = "__vertx.nodeId";

  private final Vertx vertx;
  private final ClusterManager cluster;
  private final HazelcastInstance hazelcast;
  private final IMap<String, String> map;
  private final JsonObject self;
  private final String clusterName;
  private UUID followerId;

  public ClusterMembers(Vertx vertx, ClusterManager cluster, HazelcastInstance hazelcast,
      FerryConfig config) {
    this.vertx = vertx;
    this.cluster = cluster;
    this.hazelcast = hazelcast;
    this.clusterName = config.clusterName();
    this.map = hazelcast.getMap(MAP);
    int clusterPort = hazelcast.getCluster().getLocalMember().getAddress().getPort();
    this.self = new JsonObject()
        .put("id", cluster.getNodeId())
        .put("advertiseIP", config.advertiseIP())
        .put("adminListenAddr", config.adminListenAddr().toString())
        .put("listenAddr", config.listenAddr().toString())
        .put("tlsListenAddr", config.tlsListenAddr() == null ? ""
            : config.tlsListenAddr().toString())
        .put("clusterPort", clusterPort)
        .put("eventBusPort", cluster.getNodeInfo().port())
        .put("started", System.currentTimeMillis());
  }

  public Future<Void> register() {
    return vertx.executeBlocking(() -> {
      map.set(cluster.getNodeId(), self.encode());
      return null;
    });
  }

  /**
   * Logs every node that joins or leaves the cluster from now on. Vert.x keeps the one node
   * listener of its cluster manager for itself, so this listens to Hazelcast directly.
   */
  public Future<Void> follow() {
    return vertx.executeBlocking(() -> {
      followerId = hazelcast.getCluster().addMembershipListener(new MembershipListener() {
        @Override
        public void memberAdded(MembershipEvent event) {
          log.info(describe(event.getMember()) + " joined cluster " + clusterName + ", now "
              + event.getMembers().size() + " nodes");
        }

        @Override
        public void memberRemoved(MembershipEvent event) {
          log.info(describe(event.getMember()) + " left cluster " + clusterName + ", now "
              + event.getMembers().size() + " nodes");
        }
      });
      return null;
    });
  }

  private static String describe(Member member) {
    String id = member.getAttribute(NODE_ID);
    return "Node " + (id == null ? member.getUuid() : id) + " at " + member.getAddress();
  }

  public Future<Void> leave() {
    return vertx.executeBlocking(() -> {
      if (followerId != null) {
        hazelcast.getCluster().removeMembershipListener(followerId);
      }
      map.delete(cluster.getNodeId());
      return null;
    });
  }

  /** The live members as {@code GET /proxy/cluster} shows them. */
  public Future<JsonArray> list() {
    return vertx.executeBlocking(() -> {
      JsonArray out = new JsonArray();
      long now = System.currentTimeMillis();
      for (JsonObject member : live()) {
        out.add(new JsonObject()
            .put("id", member.getString("id"))
            .put("advertiseIP", member.getString("advertiseIP"))
            .put("adminListenAddr", member.getString("adminListenAddr"))
            .put("listenAddr", member.getString("listenAddr"))
            .put("uptime", Durations.format(Duration.ofMillis(now - member.getLong("started"))))
            .put("local", member.getString("id").equals(cluster.getNodeId())));
      }
      return out;
    });
  }

  /**
   * Every port a live node uses itself, with what uses it. Blocking: it reads the cluster map.
   */
  public Map<Integer, String> reservedPorts() {
    Map<Integer, String> ports = new HashMap<>();
    for (JsonObject member : live()) {
      String node = describe(member);
      ports.put(port(member.getString("listenAddr")), "the HTTP listener of " + node);
      String tls = member.getString("tlsListenAddr", "");
      if (!tls.isEmpty()) {
        ports.put(port(tls), "the HTTPS listener of " + node);
      }
      ports.put(port(member.getString("adminListenAddr")), "the admin API of " + node);
      ports.put(member.getInteger("clusterPort"), "the cluster port of " + node);
      Integer eventBus = member.getInteger("eventBusPort");
      if (eventBus != null) {
        ports.put(eventBus, "the event bus of " + node);
      }
    }
    return ports;
  }

  /** This node as error messages name it, by its address and admin address. */
  public String describeSelf() {
    return describe(self);
  }

  private static String describe(JsonObject member) {
    return "node " + member.getString("advertiseIP") + " (admin "
        + member.getString("adminListenAddr") + ")";
  }

  private static int port(String address) {
    return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
  }

  private List<JsonObject> live() {
    List<String> nodes = cluster.getNodes();
    List<JsonObject> out = new java.util.ArrayList<>();
    boolean sawSelf = false;
    for (Map.Entry<String, String> entry : map.entrySet()) {
      if (!nodes.contains(entry.getKey())) {
        map.delete(entry.getKey());
        continue;
      }
      sawSelf |= entry.getKey().equals(cluster.getNodeId());
      out.add(new JsonObject(entry.getValue()));
    }
    if (!sawSelf) {
      out.add(self);
    }
    out.sort((a, b) -> a.getString("id").compareTo(b.getString("id")));
    return out;
  }
}
