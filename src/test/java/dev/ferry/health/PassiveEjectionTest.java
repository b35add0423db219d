package dev.ferry.health;

import static dev.ferry.testing.Backends.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.AdminClient;
import dev.ferry.testing.Backends;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Ports;
import dev.ferry.testing.ProxyClient;
import dev.ferry.testing.RawHttp;
import dev.ferry.testing.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PassiveEjectionTest {

  /** Ejects for one second, to see a backend tried again. */
  private static TestNode quick;
  /** Ejects for a minute, longer than any test here runs. */
  private static TestNode lasting;
  private static Vertx vertx;
  private final List<ProxyClient> clients = new ArrayList<>();

  @BeforeAll
  static void startNodes() {
    quick = TestNode.start(new JsonObject().put("ejectAfterFailures", 3).put("ejectFor", "1s"));
    lasting = TestNode.start(new JsonObject().put("ejectFor", "1m"));
    vertx = Backends.vertx();
  }

  @AfterAll
  static void stopNodes() {
    await(vertx.close());
    quick.close();
    lasting.close();
  }

  @AfterEach
  void closeClients() {
    clients.forEach(ProxyClient::close);
    clients.clear();
  }

  private ProxyClient client(TestNode node, String sourceAddress) {
    ProxyClient client = new ProxyClient(vertx, sourceAddress, node.httpPort);
    clients.add(client);
    return client;
  }

  private static String host(String upstream) {
    return upstream + ".ferry.local";
  }

  private static String health(TestNode node, String upstream, String backend) {
    JsonObject stored = node.admin().get("/proxy/upstreams/" + upstream).json();
    for (Object item : stored.getJsonArray("backends")) {
      JsonObject b = (JsonObject) item;
      if (b.getString("id").equals(backend)) {
        return b.getString("health");
      }
    }
    throw new AssertionError("no backend " + backend + " in " + stored.encode());
  }

  /** Three requests pinned to the backend, each of which it refuses. */
  private static void refuseThreeTimes(TestNode node, String upstream, String backend) {
    for (int i = 0; i < 3; i++) {
      RawHttp.Reply reply = RawHttp.get("127.0.0.1", node.httpPort,
          backend + "." + host(upstream), "/");
      assertEquals(502, reply.status(), reply.body());
    }
  }

  @Test
  void backendRefusingThreeTimesIsEjectedAndTriedAgainOnceTheEjectionIsOver() {
    AdminClient admin = quick.admin();
    JsonObject loose = new JsonObject().put("sticky", false);
    int deadPort = Ports.free();
    // Its weight makes the balancer try it first nearly every time it may.
    admin.putBackend("eject-retry", "dead", deadPort, loose, new JsonObject().put("weihgt", 1000));
    int livePort = Ports.free();
    Backends.named(vertx, "live", livePort);
    admin.putBackend("eject-retry", "live", livePort, loose, new JsonObject().put("weihgt", 1));
    ProxyClient client = client(quick, "127.0.0.1");

    assertEquals("live", client.backendFor(host("eject-retry")));
    assertEquals("live", client.backendFor(host("eject-retry")));
    long thirdSent = System.nanoTime();
    assertEquals("live", client.backendFor(host("eject-retry")));
    assertEquals("ejected", quick.node.health().status("eject-retry", "dead"));

    Backends.named(vertx, "dead", deadPort);
    Eventually.within(() -> client.backendFor(host("eject-retry")), "dead"::equals, 10_000,
        "the ejected backend tried again");

    long ejectedMillis = (System.nanoTime() - thirdSent) / 1_000_000;
    assertTrue(ejectedMillis >= 1000, "tried again after " + ejectedMillis + " ms");
    assertEquals("unchecked", health(quick, "eject-retry", "dead"));
  }

  @Test
  void ejectedBackendTakesNoNewClientsAndItsStickyClientsMove() {
    AdminClient admin = lasting.admin();
    int portA = Ports.free();
    HttpServer a = Backends.named(vertx, "a", portA);
    admin.putBackend("eject-sticky", "a", portA, new JsonObject().put("sticky", true),
        new JsonObject());
    int portB = Ports.free();
    Backends.named(vertx, "b", portB);
    admin.putBackend("eject-sticky", "b", portB);
    List<String> onA = new ArrayList<>();
    for (int i = 20; i < 28; i++) {
      String ip = "127.0.0." + i;
      if (client(lasting, ip).backendFor(host("eject-sticky")).equals("a")) {
        onA.add(ip);
      }
    }
    assertFalse(onA.isEmpty(), "some clients stick to a");

    await(a.close());
    refuseThreeTimes(lasting, "eject-sticky", "a");
    Backends.named(vertx, "a", portA);

    assertEquals("ejected", health(lasting, "eject-sticky", "a"));
    assertEquals("unchecked", health(lasting, "eject-sticky", "b"));
    Eventually.poll(() -> lasting.admin().get("/proxy/stats/eject-sticky/a").json(),
        stats -> "ejected".equals(stats.getString("health")), "stats show a as ejected");
    for (String ip : onA) {
      ProxyClient stuck = clients.stream().filter(c -> c.sourceAddress().equals(ip))
          .findFirst().orElseThrow();
      assertEquals("b", stuck.backendFor(host("eject-sticky")), ip);
    }
    JsonObject sessions = admin.get("/proxy/sessions").json().getJsonObject("eject-sticky");
    for (String ip : onA) {
      assertEquals("b", sessions.getJsonObject(ip).getString("id"), ip + " in " + sessions);
    }
    for (int i = 30; i < 34; i++) {
      assertEquals("b", client(lasting, "127.0.0." + i).backendFor(host("eject-sticky")));
    }
  }

  @Test
  void whenEveryBackendIsEjectedTheyAreTriedAllTheSame() {
    AdminClient admin = lasting.admin();
    JsonObject loose = new JsonObject().put("sticky", false);
    int portA = Ports.free();
    int portB = Ports.free();
    admin.putBackend("eject-all", "a", portA, loose, new JsonObject());
    admin.putBackend("eject-all", "b", portB, loose, new JsonObject());
    refuseThreeTimes(lasting, "eject-all", "a");
    refuseThreeTimes(lasting, "eject-all", "b");
    assertEquals("ejected", health(lasting, "eject-all", "a"));
    assertEquals("ejected", health(lasting, "eject-all", "b"));
    ProxyClient client = client(lasting, "127.0.0.1");

    ProxyClient.Reply refused = client.get(host("eject-all"));
    assertEquals(502, refused.status());
    assertTrue(refused.body().toString().contains("every backend of upstream eject-all refused"),
        refused.body().toString());

    Backends.named(vertx, "b", portB);
    assertEquals("b", client.backendFor(host("eject-all")));
    assertEquals("unchecked", health(lasting, "eject-all", "b"));
    assertEquals("ejected", health(lasting, "eject-all", "a"));
  }

  private static int namedTcpBackend(String name, int port) {
    await(vertx.createNetServer()
        .connectHandler(socket -> socket.write(name + "\n"))
        .listen(port, "127.0.0.1"));
    return port;
  }

  private static String tcpBackendFor(int listen) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", listen), 5000);
      socket.setSoTimeout(15_000);
      return new BufferedReader(new InputStreamReader(socket.getInputStream(),
          StandardCharsets.US_ASCII)).readLine();
    }
  }

  @Test
  void tcpBackendRefusingThreeTimesIsEjected() throws IOException {
    AdminClient admin = lasting.admin();
    int listen = Ports.free();
    JsonObject tcp = new JsonObject().put("listen", ":" + listen).put("sticky", false);
    int deadPort = Ports.free();
    admin.putBackend("eject-tcp", "dead", deadPort, tcp, new JsonObject().put("weihgt", 1000));
    admin.putBackend("eject-tcp", "live", namedTcpBackend("live", Ports.free()), tcp,
        new JsonObject().put("weihgt", 1));
    Eventually.poll(Duration.ofSeconds(10),
        () -> admin.get("/proxy/stats").json().getJsonObject("tcpd")
            .getJsonObject(":" + listen, new JsonObject()).getBoolean("serving", false),
        serving -> serving, "listener :" + listen + " serving");

    for (int i = 0; i < 3; i++) {
      assertEquals("live", tcpBackendFor(listen));
    }
    assertEquals("ejected", health(lasting, "eject-tcp", "dead"));

    namedTcpBackend("dead", deadPort);
    for (int i = 0; i < 5; i++) {
      assertEquals("live", tcpBackendFor(listen));
    }
  }
}
