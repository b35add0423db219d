package dev.ferry.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.Backends;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Ports;
import dev.ferry.testing.RawHttp;
import dev.ferry.testing.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Three nodes of one cluster in this JVM: any node's change is routed by all of them. */
class ClusterTest {

  private static Vertx vertx;
  private static TestNode a;
  private static TestNode b;
  private static TestNode c;
  private static int backendOne;
  private static int backendTwo;

  @BeforeAll
  static void startCluster() {
    vertx = Backends.vertx();
    backendOne = Ports.free();
    backendTwo = Ports.free();
    Backends.named(vertx, "one", backendOne);
    Backends.named(vertx, "two", backendTwo);
    String cluster = "ferry-test-" + UUID.randomUUID();
    a = TestNode.join(cluster, null, new JsonObject());
    b = TestNode.join(cluster, a.clusterPort, new JsonObject());
    c = TestNode.join(cluster, a.clusterPort, new JsonObject());
  }

  @AfterAll
  static void stopCluster() {
    c.close();
    b.close();
    a.close();
    vertx.close();
  }

  private static String backendOf(TestNode node, String upstream) {
    RawHttp.Reply reply = RawHttp.get("127.0.0.1", node.httpPort, upstream + ".ferry.local", "/");
    return reply.status() == 200
        ? new JsonObject(reply.body()).getString("backend") : "status " + reply.status();
  }

  private static void eventually(BooleanSupplier condition, String what) {
    Eventually.until(condition, 20, what);
  }


  @Test
  void everyNodeListsTheThreeMembers() {
    for (TestNode node : List.of(a, b, c)) {
      JsonArray members = node.admin().get("/proxy/cluster").array();
      assertEquals(3, members.size(), members.encode());
      long local = members.stream().filter(m -> ((JsonObject) m).getBoolean("local")).count();
      assertEquals(1, local);
    }
  }

  @Test
  void changeOnOneNodeIsRoutedByAnotherRightAfterTheAnswer() {
    a.admin().putBackend("right-after", "1", backendOne);
    assertEquals("one", backendOf(c, "right-after"));
    assertEquals("one", backendOf(b, "right-after"));
  }

  @Test
  void twentyChangesThroughAlternatingNodesAreEachRoutedEverywhere() {
    List<TestNode> nodes = List.of(a, b, c);
    for (int i = 0; i < 20; i++) {
      TestNode writer = nodes.get(i % 3);
      TestNode reader = nodes.get((i + 1) % 3);
      String upstream = "alternate-" + i;
      int port = i % 2 == 0 ? backendOne : backendTwo;
      var answer = writer.admin().put(new JsonObject()
          .put("upstream", new JsonObject().put("name", upstream))
          .put("backend", new JsonObject().put("id", "1").put("ip", "127.0.0.1")
              .put("port", port).put("scheme", "http")));
      assertEquals(201, answer.status(), answer.body());
      assertTrue(answer.raw().headers().firstValue("X-Ferry-Unconfirmed").isEmpty());
      assertEquals(i % 2 == 0 ? "one" : "two", backendOf(reader, upstream));
    }
  }

  @Test
  void deleteOnOneNodeIsSeenByTheOthers() {
    a.admin().putBackend("deleted-on-b", "1", backendOne);
    b.admin().deleteBackend("deleted-on-b", "1");
    assertEquals(404, a.admin().get("/proxy/upstreams/deleted-on-b").status());
    assertEquals("status 404", backendOf(a, "deleted-on-b"));
    assertEquals("status 404", backendOf(c, "deleted-on-b"));
  }

  @Test
  void sessionMadeOnOneNodeIsHonouredByTheOthers() {
    a.admin().putBackend("sticky-everywhere", "1", backendOne);
    a.admin().putBackend("sticky-everywhere", "2", backendTwo);
    String first = backendOf(a, "sticky-everywhere");
    eventually(() -> b.admin().get("/proxy/sessions").json()
        .containsKey("sticky-everywhere"), "the session reaches node b");
    eventually(() -> c.admin().get("/proxy/sessions").json()
        .containsKey("sticky-everywhere"), "the session reaches node c");
    for (int i = 0; i < 5; i++) {
      assertEquals(first, backendOf(b, "sticky-everywhere"));
      assertEquals(first, backendOf(c, "sticky-everywhere"));
    }
  }

  @Test
  void lateJoinerServesTheTableAndHonoursSessions() {
    a.admin().putBackend("late", "1", backendOne);
    a.admin().putBackend("late", "2", backendTwo);
    String first = backendOf(b, "late");
    eventually(() -> a.admin().get("/proxy/sessions").json().containsKey("late"),
        "the session reaches node a");
    try (TestNode late = TestNode.join(a.clusterName, a.clusterPort, new JsonObject())) {
      assertNotNull(late.admin().get("/proxy/upstreams/late").json());
      assertTrue(late.admin().get("/proxy/sessions").json().containsKey("late"));
      assertEquals(first, backendOf(late, "late"));
    }
  }

  @Test
  void clusterStatsHaveEveryNodeAndTheirSums() {
    a.admin().putBackend("counted", "1", backendOne);
    backendOf(a, "counted");
    backendOf(b, "counted");
    backendOf(c, "counted");
    eventually(() -> {
      JsonObject all = b.admin().get("/proxy/stats?scope=cluster").json();
      JsonObject sum = all.getJsonObject("sum").getJsonObject("upstream");
      return all.getJsonObject("nodes").size() == 3 && sum != null
          && sum.getJsonObject("counted") != null
          && sum.getJsonObject("counted").getJsonObject("1").getLong("requests") == 3;
    }, "three requests, one per node, summed");
  }

  @Test
  void nodeThatMissedChangeEventsRepairsItsTable() {
    c.node.table().stop().await();
    try {
      a.admin().putBackend("missed", "1", backendOne);
      eventually(() -> c.node.table().snapshot().upstream("missed") != null,
          "node c repairs its table from the cluster map");
      assertEquals("one", backendOf(c, "missed"));
    } finally {
      c.node.table().start().await();
    }
  }
}
