package dev.ferry.session;

import static dev.ferry.testing.Backends.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.Backends;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.OneNode;
import dev.ferry.testing.Ports;
import dev.ferry.testing.ProxyClient;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class StickySessionTest extends OneNode {

  private final List<ProxyClient> clients = new ArrayList<>();

  @AfterEach
  void closeClients() {
    clients.forEach(ProxyClient::close);
    clients.clear();
  }

  private static String host(String upstream) {
    return upstream + ".ferry.local";
  }

  /** An HTTP backend that names itself {@code id}, registered under that id. */
  private static void putHttpBackend(String upstream, String id, int weight,
      JsonObject upstreamExtra) {
    int port = Ports.free();
    Backends.named(vertx, id, port);
    admin.putBackend(upstream, id, port, upstreamExtra, new JsonObject().put("weihgt", weight));
  }

  private static void setWeight(String upstream, String id, int weight) {
    JsonObject stored = admin.get("/proxy/upstreams/" + upstream).json();
    for (Object item : stored.getJsonArray("backends")) {
      JsonObject backend = (JsonObject) item;
      if (backend.getString("id").equals(id)) {
        admin.putBackend(upstream, id, backend.getInteger("port"), new JsonObject(),
            new JsonObject().put("weihgt", weight));
        return;
      }
    }
    throw new AssertionError("no backend " + id + " in " + stored.encode());
  }

  private ProxyClient client(String sourceAddress) {
    ProxyClient client = new ProxyClient(vertx, sourceAddress, node.httpPort);
    clients.add(client);
    return client;
  }

  /** Clients from 127.0.0.{first} to 127.0.0.{last}, each with its first backend. */
  private Map<String, String> firstVisits(String upstream, int first, int last) {
    Map<String, String> backendByIp = new HashMap<>();
    for (int i = first; i <= last; i++) {
      String ip = "127.0.0." + i;
      backendByIp.put(ip, client(ip).backendFor(host(upstream)));
    }
    return backendByIp;
  }

  private ProxyClient clientOf(String ip) {
    return clients.stream().filter(c -> c.sourceAddress().equals(ip)).findFirst().orElseThrow();
  }

  private static JsonObject sessionsOf(String upstream) {
    JsonObject of = admin.get("/proxy/sessions").json().getJsonObject(upstream);
    return of == null ? new JsonObject() : of;
  }

  private static long count(Map<String, String> backendByIp, String backend) {
    return backendByIp.values().stream().filter(backend::equals).count();
  }

  @Test
  void newClientsSpreadByWeightAndEachKeepsItsBackend() {
    putHttpBackend("sticky-spread", "heavy", 300, new JsonObject());
    putHttpBackend("sticky-spread", "light", 100, new JsonObject());

    Map<String, String> first = firstVisits("sticky-spread", 2, 41);

    long heavy = count(first, "heavy");
    assertEquals(40, heavy + count(first, "light"), first.toString());
    assertTrue(heavy >= 26 && heavy <= 34, "about 30 of 40 on the heavy backend: " + first);
    for (int round = 0; round < 3; round++) {
      first.forEach((ip, backend) ->
          assertEquals(backend, clientOf(ip).backendFor(host("sticky-spread")), ip));
    }
  }

  @Test
  void withoutStickinessOneClientsRequestsFollowTheWeights() {
    putHttpBackend("sticky-off", "heavy", 300, new JsonObject().put("sticky", false));
    putHttpBackend("sticky-off", "light", 100, new JsonObject());

    ProxyClient client = client("127.0.0.42");
    List<String> order = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      order.add(client.backendFor(host("sticky-off")));
    }

    assertEquals(List.of("heavy", "heavy", "light", "heavy", "heavy", "heavy", "light", "heavy"),
        order);
    assertEquals(new JsonObject(), sessionsOf("sticky-off"));
  }

  @Test
  void backendOfWeightZeroTakesNoNewClientButKeepsItsStickyOnes() {
    putHttpBackend("sticky-drain", "a", 100, new JsonObject());
    putHttpBackend("sticky-drain", "b", 100, new JsonObject());
    Map<String, String> before = firstVisits("sticky-drain", 50, 57);
    assertTrue(count(before, "b") > 0, "some clients stick to b: " + before);

    setWeight("sticky-drain", "b", 0);

    before.forEach((ip, backend) ->
        assertEquals(backend, clientOf(ip).backendFor(host("sticky-drain")), ip));
    Map<String, String> after = firstVisits("sticky-drain", 60, 67);
    assertEquals(8, count(after, "a"), "every new client goes to a: " + after);
  }

  @Test
  void sessionsListUpstreamThenClientIpThenBackendWithItsLastUse() {
    putHttpBackend("sticky-listed", "only", 100, new JsonObject());
    OffsetDateTime before = OffsetDateTime.now().minusSeconds(1);

    client("127.0.0.70").backendFor(host("sticky-listed"));
    client("127.0.0.71").backendFor(host("sticky-listed"));

    JsonObject sessions = sessionsOf("sticky-listed");
    assertEquals(2, sessions.size(), sessions.encode());
    JsonObject session = sessions.getJsonObject("127.0.0.70");
    assertNotNull(session, sessions.encode());
    assertEquals("only", session.getString("id"));
    assertEquals("127.0.0.1", session.getString("ip"));
    assertEquals(100, session.getInteger("weihgt"));
    assertNotNull(session.getInteger("port"));
    OffsetDateTime updated = OffsetDateTime.parse(session.getString("updated_at"));
    assertFalse(updated.isBefore(before), session.encode());
    assertFalse(updated.isAfter(OffsetDateTime.now().plusSeconds(1)), session.encode());
  }

  @Test
  void deletingABackendDropsItsSessionsAndItsClientsMoveOn() {
    putHttpBackend("sticky-moved", "a", 100, new JsonObject());
    putHttpBackend("sticky-moved", "b", 100, new JsonObject());
    Map<String, String> before = firstVisits("sticky-moved", 90, 97);
    List<String> onB = before.entrySet().stream().filter(e -> e.getValue().equals("b"))
        .map(Map.Entry::getKey).toList();
    assertFalse(onB.isEmpty(), "some clients stick to b: " + before);

    admin.deleteBackend("sticky-moved", "b");

    JsonObject sessions = sessionsOf("sticky-moved");
    for (String ip : onB) {
      assertNull(sessions.getJsonObject(ip), "session of " + ip + " dropped: " + sessions);
    }
    assertEquals(8 - onB.size(), sessions.size(), sessions.encode());
    for (String ip : onB) {
      assertEquals("a", clientOf(ip).backendFor(host("sticky-moved")), ip);
      assertEquals("a", sessionsOf("sticky-moved").getJsonObject(ip).getString("id"), ip);
    }
  }

  private static int namedTcpBackend(String name) {
    int port = Ports.free();
    await(vertx.createNetServer()
        .connectHandler(socket -> socket.write(name + "\n"))
        .listen(port, "127.0.0.1"));
    return port;
  }

  private static String tcpBackendFor(String sourceAddress, int listen) throws IOException {
    try (Socket socket = new Socket()) {
      socket.bind(new InetSocketAddress(sourceAddress, 0));
      socket.connect(new InetSocketAddress("127.0.0.1", listen), 5000);
      socket.setSoTimeout(15_000);
      return new BufferedReader(new InputStreamReader(socket.getInputStream(),
          StandardCharsets.US_ASCII)).readLine();
    }
  }

  @Test
  void tcpClientsStickByTheirIpToTheirBackend() throws IOException {
    int listen = Ports.free();
    JsonObject tcp = new JsonObject().put("listen", ":" + listen);
    admin.putBackend("sticky-tcp", "a", namedTcpBackend("a"), tcp, new JsonObject());
    admin.putBackend("sticky-tcp", "b", namedTcpBackend("b"), tcp, new JsonObject());
    Eventually.poll(Duration.ofSeconds(10),
        () -> admin.get("/proxy/stats").json().getJsonObject("tcpd")
            .getJsonObject(":" + listen, new JsonObject()).getBoolean("serving", false),
        serving -> serving, "listener :" + listen + " serving");

    Map<String, String> first = new HashMap<>();
    for (int i = 110; i < 118; i++) {
      String ip = "127.0.0." + i;
      first.put(ip, tcpBackendFor(ip, listen));
    }

    assertTrue(first.containsValue("a") && first.containsValue("b"), first.toString());
    for (Map.Entry<String, String> e : first.entrySet()) {
      for (int again = 0; again < 3; again++) {
        assertEquals(e.getValue(), tcpBackendFor(e.getKey(), listen), e.getKey());
      }
    }
    JsonObject sessions = sessionsOf("sticky-tcp");
    first.forEach((ip, backend) ->
        assertEquals(backend, sessions.getJsonObject(ip).getString("id"), ip));
  }
}
