package dev.ferry.testing;

import dev.ferry.FerryNode;
import dev.ferry.config.FerryConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A real Ferry node in the test JVM, on loopback, with its own cluster name and free ports, so
 * that tests running side by side never join each other.
 */
public final class TestNode implements AutoCloseable {

  public final FerryNode node;
  public final int httpPort;
  public final int adminPort;
  public final int clusterPort;
  public final String clusterName;

  private TestNode(FerryNode node, int httpPort, int adminPort, int clusterPort,
      String clusterName) {
    this.node = node;
    this.httpPort = httpPort;
    this.adminPort = adminPort;
    this.clusterPort = clusterPort;
    this.clusterName = clusterName;
  }

  /** A node of its own cluster, with the given settings over the test defaults. */
  public static TestNode start(JsonObject settings) {
    return join("ferry-test-" + UUID.randomUUID(), null, settings);
  }

  public static TestNode start() {
    return start(new JsonObject());
  }

  /**
   * A node of cluster {@code clusterName}; {@code seedClusterPort} is another member's
   * cluster port, or null for the first node.
   */
  public static TestNode join(String clusterName, Integer seedClusterPort, JsonObject settings) {
    int http = Ports.free();
    int admin = Ports.free();
    int cluster = Ports.free();
    JsonObject config = loopbackConfig(clusterName, http, admin, cluster,
        seedClusterPort == null ? List.of() : List.of(seedClusterPort)).mergeIn(settings);
    FerryConfig ferry = FerryConfig.from(config, Map.of());
    try {
      FerryNode node = FerryNode.start(ferry).await(60, TimeUnit.SECONDS);
      return new TestNode(node, http, admin, cluster, clusterName);
    } catch (Exception e) {
      throw new IllegalStateException("the test node did not start", e);
    }
  }

  /**
   * The settings of a test node: everything on loopback and the given ports, looking for the
   * other members on {@code seedPorts}, with no cluster.xml.
   */
  public static JsonObject loopbackConfig(String clusterName, int http, int admin, int cluster,
      List<Integer> seedPorts) {
    JsonArray members = new JsonArray().add("127.0.0.1:" + cluster);
    seedPorts.forEach(port -> members.add("127.0.0.1:" + port));
    return new JsonObject()
        .put("listenAddr", "127.0.0.1:" + http)
        .put("adminListenAddr", "127.0.0.1:" + admin)
        .put("advertiseIP", "127.0.0.1")
        .put("clusterName", clusterName)
        .put("clusterPort", cluster)
        .put("clusterMembers", members)
        .put("clusterConfig", "");
  }

  public AdminClient admin() {
    return new AdminClient(adminPort, node.config().adminToken());
  }

  @Override
  public void close() {
    try {
      node.stop().await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("the test node did not stop", e);
    }
  }
}
