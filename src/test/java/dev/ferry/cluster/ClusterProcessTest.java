package dev.ferry.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.Backends;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.NodeProcess;
import dev.ferry.testing.Ports;
import dev.ferry.testing.RawHttp;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Nodes in processes of their own, stopped the hard way and restarted. */
class ClusterProcessTest {

  private static Vertx vertx;
  private static int backendOne;
  private static int backendTwo;
  private final List<NodeProcess> started = new ArrayList<>();

  @TempDir
  Path dir;

  @BeforeAll
  static void startBackends() {
    vertx = Backends.vertx();
    backendOne = Ports.free();
    backendTwo = Ports.free();
    Backends.named(vertx, "one", backendOne);
    Backends.named(vertx, "two", backendTwo);
  }

  @AfterAll
  static void stopBackends() {
    vertx.close();
  }

  @AfterEach
  void stopNodes() {
    for (NodeProcess node : started) {
      node.close();
    }
  }

  private NodeProcess start(String cluster, List<Integer> seeds, JsonObject settings) {
    NodeProcess node = NodeProcess.start(dir, cluster, seeds, settings);
    started.add(node);
    return node;
  }

  private static String backendFor(NodeProcess node, String clientIp, String upstream) {
    RawHttp.Reply reply = RawHttp.get(clientIp, node.httpPort, upstream + ".ferry.local", "/");
    assertEquals(200, reply.status(), reply.body());
    return new JsonObject(reply.body()).getString("backend");
  }

  private static void eventually(BooleanSupplier condition, String what) {
    Eventually.until(condition, 30, what);
  }


  @Test
  void killingOneOfThreeNodesKeepsEveryUpstreamAndSessionOnTheOthers() {
    String cluster = "ferry-test-" + UUID.randomUUID();
    NodeProcess a = start(cluster, List.of(), new JsonObject());
    NodeProcess b = start(cluster, List.of(a.clusterPort), new JsonObject());
    NodeProcess c = start(cluster, List.of(a.clusterPort, b.clusterPort), new JsonObject());
    a.admin().putBackend("survivor", "1", backendOne);
    a.admin().putBackend("survivor", "2", backendTwo);

    Map<String, String> stuck = new HashMap<>();
    for (int i = 2; i <= 9; i++) {
      String client = "127.0.0." + i;
      stuck.put(client, backendFor(a, client, "survivor"));
    }
    eventually(() -> sessionsOf(b).size() == stuck.size() && sessionsOf(c).size() == stuck.size(),
        "every node holds the eight sessions");

    a.kill();

    for (NodeProcess node : List.of(b, c)) {
      JsonObject upstream = node.admin().get("/proxy/upstreams/survivor").json();
      assertEquals(2, upstream.getJsonArray("backends").size());
      assertEquals(stuck.size(), sessionsOf(node).size());
      stuck.forEach((client, backend) ->
          assertEquals(backend, backendFor(node, client, "survivor"), client));
    }
    assertEquals(201, b.admin().put(new JsonObject()
        .put("upstream", new JsonObject().put("name", "after-kill"))
        .put("backend", new JsonObject().put("id", "1").put("ip", "127.0.0.1")
            .put("port", backendOne).put("scheme", "http"))).status());
    assertEquals("one", backendFor(c, "127.0.0.1", "after-kill"));
  }

  private static JsonObject sessionsOf(NodeProcess node) {
    JsonObject all = node.admin().get("/proxy/sessions").json();
    return all.getJsonObject("survivor", new JsonObject());
  }

  @Test
  void wholeClusterRestartGetsItsTableBackFromTheStateFile() throws Exception {
    String cluster = "ferry-test-" + UUID.randomUUID();
    Path fileA = dir.resolve("a-state.json");
    Path fileB = dir.resolve("b-state.json");
    NodeProcess a = start(cluster, List.of(), new JsonObject().put("stateFile", fileA.toString()));
    NodeProcess b = start(cluster, List.of(a.clusterPort),
        new JsonObject().put("stateFile", fileB.toString()));
    a.admin().putBackend("kept-one", "1", backendOne);
    b.admin().putBackend("kept-two", "1", backendTwo);
    b.admin().putBackend("kept-two", "2", backendOne);
    eventually(() -> fileHolds(fileA, "kept-two", 2) && fileHolds(fileB, "kept-two", 2),
        "both state files hold the table");

    assertEquals(0, b.terminate());
    assertEquals(0, a.terminate());

    NodeProcess again = start(cluster, List.of(),
        new JsonObject().put("stateFile", fileB.toString()));
    assertEquals(2, again.admin().get("/proxy/upstreams").array().size());
    assertEquals("one", backendFor(again, "127.0.0.1", "kept-one"));
    assertTrue(again.logText().contains("Restored 2 upstreams"), again.logText());
  }

  @Test
  void wholeClusterStartedAgainAllAtOnceGetsItsTableBack() throws Exception {
    String cluster = "ferry-test-" + UUID.randomUUID();
    List<Path> files = List.of(dir.resolve("x-state.json"), dir.resolve("y-state.json"),
        dir.resolve("z-state.json"));
    List<NodeProcess> first = startAtOnce(cluster, files);
    first.get(0).admin().putBackend("kept-a", "1", backendOne);
    first.get(1).admin().putBackend("kept-b", "1", backendTwo);
    for (Path file : files) {
      eventually(() -> fileHolds(file, "kept-a", 1) && fileHolds(file, "kept-b", 1),
          "state file " + file.getFileName() + " holds the table");
    }
    for (NodeProcess node : first) {
      assertEquals(0, node.terminate());
    }

    List<NodeProcess> again = startAtOnce(cluster, files);

    for (NodeProcess node : again) {
      eventually(() -> node.admin().get("/proxy/upstreams").array().size() == 2,
          "every node has both upstreams back");
      assertEquals("two", backendFor(node, "127.0.0.1", "kept-b"));
    }
    for (Path file : files) {
      eventually(() -> fileHolds(file, "kept-a", 1) && fileHolds(file, "kept-b", 1),
          "state file " + file.getFileName() + " still holds the table");
    }
  }

  /** Starts one node per state file, all at once, each knowing the others' cluster ports. */
  private List<NodeProcess> startAtOnce(String cluster, List<Path> files) {
    List<Integer> ports = files.stream().map(f -> Ports.free()).toList();
    List<NodeProcess> nodes = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      NodeProcess node = NodeProcess.launch(dir, cluster, ports.get(i), ports,
          new JsonObject().put("stateFile", files.get(i).toString()));
      started.add(node);
      nodes.add(node);
    }
    nodes.forEach(NodeProcess::awaitHealthy);
    return nodes;
  }

  private static boolean fileHolds(Path file, String upstream, int backends) {
    try {
      if (!Files.exists(file)) {
        return false;
      }
      for (Object item : new JsonObject(Files.readString(file)).getJsonArray("upstreams")) {
        JsonObject u = (JsonObject) item;
        if (u.getString("name").equals(upstream)) {
          return u.getJsonArray("backends").size() == backends;
        }
      }
      return false;
    } catch (Exception e) {
      return false;
    }
  }

  @Test
  void corruptStateFileIsReportedAndIgnored() throws Exception {
    Path file = dir.resolve("corrupt.json");
    Files.writeString(file, "{\"upstreams\": [ not json");
    NodeProcess node = start("ferry-test-" + UUID.randomUUID(), List.of(),
        new JsonObject().put("stateFile", file.toString()));
    assertEquals(0, node.admin().get("/proxy/upstreams").array().size());
    assertTrue(node.logText().contains("Ignoring state file"), node.logText());
    node.admin().putBackend("fresh", "1", backendOne);
    eventually(() -> fileHolds(file, "fresh", 1), "the node writes a good file over it");
  }
}
