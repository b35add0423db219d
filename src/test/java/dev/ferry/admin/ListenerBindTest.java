package dev.ferry.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.AdminClient;
import dev.ferry.testing.AdminClient.Answer;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Ports;
import dev.ferry.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A new upstream whose TCP port some node cannot open, here because another process holds it,
 * is refused with 409 naming the node and the error, and every node's table stays as it was.
 */
class ListenerBindTest {

  private static TestNode single;
  private static TestNode first;
  private static TestNode second;

  @BeforeAll
  static void startNodes() {
    single = TestNode.start();
    String cluster = "ferry-test-" + UUID.randomUUID();
    first = TestNode.join(cluster, null, new JsonObject());
    second = TestNode.join(cluster, first.clusterPort,
        new JsonObject().put("listenAddr", "127.0.0.2:" + Ports.free()));
  }

  @AfterAll
  static void stopNodes() {
    second.close();
    first.close();
    single.close();
  }

  private static ServerSocket hold(String host, int port) throws IOException {
    ServerSocket socket = new ServerSocket();
    socket.bind(new InetSocketAddress(InetAddress.getByName(host), port));
    return socket;
  }

  private static JsonObject body(String name, String id, int listen, String alias) {
    JsonObject upstream = new JsonObject().put("name", name);
    if (listen != 0) {
      upstream.put("listen", ":" + listen);
    }
    if (alias != null) {
      upstream.put("alias", alias);
    }
    return new JsonObject().put("upstream", upstream)
        .put("backend", new JsonObject().put("id", id).put("ip", "127.0.0.1").put("port", 9));
  }

  private static String table(TestNode node) {
    return node.admin().get("/proxy/upstreams").body();
  }

  private static void assertRefusedOnPort(Answer answer, int port, TestNode culprit) {
    assertEquals(409, answer.status(), answer.body());
    String error = answer.error();
    assertTrue(error.contains("port " + port + " cannot be opened on node 127.0.0.1 (admin "
        + "127.0.0.1:" + culprit.adminPort + ")"), error);
    assertTrue(error.contains("Address already in use"), error);
  }

  @Test
  void portHeldByAnotherProcessAnswers409AndTheTableStaysAsItWas() throws IOException {
    AdminClient admin = single.admin();
    admin.putBackend("bystander", "a", 9);
    String before = table(single);
    int port = Ports.free();
    try (ServerSocket held = hold("127.0.0.1", port)) {
      Answer answer = admin.put(body("bind-taken", "a", port, "bind-taken.example.com"));
      assertRefusedOnPort(answer, port, single);
      assertTrue(answer.error().contains("bind-taken"), answer.error());
      assertEquals(before, table(single));
      assertEquals(404, admin.get("/proxy/upstreams/bind-taken").status());
      TableChecks.assertValid(admin);

      Answer again = admin.put(body("bind-taken", "a", port, null));
      assertRefusedOnPort(again, port, single);
      assertEquals(before, table(single));
    }
    Answer freed = admin.put(body("bind-taken", "a", port, "bind-taken.example.com"));
    assertEquals(201, freed.status(), freed.body());
    Eventually.poll(() -> TableChecks.serving(admin), s -> s.contains(":" + port),
        "listener :" + port + " serving");
    TableChecks.assertValid(admin);
    admin.deleteBackend("bind-taken", "a");
  }

  @Test
  void refusedUpstreamGivesUpItsAliasAndName() throws IOException {
    AdminClient admin = single.admin();
    int port = Ports.free();
    try (ServerSocket held = hold("127.0.0.1", port)) {
      assertEquals(409, admin.put(body("bind-claims", "a", port, "claims.example.com"))
          .status());
    }
    Answer alias = admin.put(body("claims-other", "a", 0, "claims.example.com"));
    assertEquals(201, alias.status(), alias.body());
    Answer name = admin.put(body("BIND-claims", "a", 0, null));
    assertEquals(201, name.status(), name.body());
    Answer portAgain = admin.put(body("claims-port", "a", port, null));
    assertEquals(201, portAgain.status(), portAgain.body());
    for (String upstream : List.of("claims-other", "BIND-claims", "claims-port")) {
      admin.deleteBackend(upstream, "a");
    }
    TableChecks.assertValid(admin);
  }

  @Test
  void updatesOfAnUpstreamWithAnOpenListenerAreNotAffected() {
    AdminClient admin = single.admin();
    int port = Ports.free();
    assertEquals(201, admin.put(body("bind-open", "a", port, null)).status());
    Answer second = admin.put(body("bind-open", "b", port, null));
    assertEquals(201, second.status(), second.body());
    assertEquals(2, second.json().getJsonArray("backends").size());
    TableChecks.assertValid(admin);
    admin.deleteBackend("bind-open", "a");
    admin.deleteBackend("bind-open", "b");
  }

  @Test
  void portTakenOnlyOnTheSecondNodeIsRefusedThroughEitherNode() throws IOException {
    first.admin().putBackend("pair-bystander", "a", 9);
    String before = table(first);
    assertEquals(before, table(second));
    int port = Ports.free();
    try (ServerSocket held = hold("127.0.0.2", port)) {
      for (TestNode through : List.of(first, second)) {
        Answer answer = through.admin().put(body("pair-taken", "a", port, null));
        assertRefusedOnPort(answer, port, second);
        assertEquals(before, table(first));
        assertEquals(before, table(second));
        TableChecks.assertValid(first.admin());
        TableChecks.assertValid(second.admin());
      }
    }
    Answer freed = first.admin().put(body("pair-taken", "a", port, null));
    assertEquals(201, freed.status(), freed.body());
    for (TestNode node : List.of(first, second)) {
      Eventually.poll(() -> TableChecks.serving(node.admin()), s -> s.contains(":" + port),
          "listener :" + port + " serving on node " + node.adminPort);
    }
    first.admin().deleteBackend("pair-taken", "a");
  }
}
