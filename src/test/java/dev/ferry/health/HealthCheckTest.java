package dev.ferry.health;

import static dev.ferry.testing.Backends.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.AdminClient;
import dev.ferry.testing.Backends;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.OneNode;
import dev.ferry.testing.Ports;
import dev.ferry.testing.ProxyClient;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HealthCheckTest extends OneNode {

  private final List<ProxyClient> clients = new ArrayList<>();

  @AfterEach
  void closeClients() {
    clients.forEach(ProxyClient::close);
    clients.clear();
  }

  /** An HTTP backend that names itself, whose {@code /healthz} answers a status tests set. */
  private record CheckedBackend(String name, int port, AtomicInteger healthStatus) {
  }

  private static CheckedBackend checkedBackend(String name) {
    int port = Ports.free();
    AtomicInteger status = new AtomicInteger(200);
    await(vertx.createHttpServer().requestHandler(req -> {
      if (req.path().equals("/healthz")) {
        req.response().setStatusCode(status.get()).end("health\n");
      } else {
        req.response().putHeader("content-type", "application/json")
            .end(new JsonObject().put("backend", name).encode());
      }
    }).listen(port, "127.0.0.1"));
    return new CheckedBackend(name, port, status);
  }

  private static JsonObject httpCheck() {
    return new JsonObject().put("type", "http").put("path", "/healthz")
        .put("interval", "200ms").put("timeout", "200ms").put("healthy", 2).put("unhealthy", 2);
  }

  private static void put(String upstream, String id, int port, JsonObject upstreamExtra) {
    admin.putBackend(upstream, id, port, upstreamExtra, new JsonObject());
  }

  private ProxyClient client(String sourceAddress) {
    ProxyClient client = new ProxyClient(vertx, sourceAddress, node.httpPort);
    clients.add(client);
    return client;
  }

  private static String host(String upstream) {
    return upstream + ".ferry.local";
  }

  private static JsonObject backendOf(JsonObject upstream, String id) {
    for (Object item : upstream.getJsonArray("backends")) {
      if (((JsonObject) item).getString("id").equals(id)) {
        return (JsonObject) item;
      }
    }
    throw new AssertionError("no backend " + id + " in " + upstream.encode());
  }

  private static String health(String upstream, String backend) {
    return backendOf(admin.get("/proxy/upstreams/" + upstream).json(), backend)
        .getString("health");
  }

  private static void awaitHealth(String upstream, String backend, String expected) {
    Eventually.within(() -> health(upstream, backend), expected::equals, 10_000,
        "backend " + backend + " of " + upstream + " " + expected);
  }

  private static String statsHealth(String upstream, String backend) {
    JsonObject of = admin.get("/proxy/stats").json().getJsonObject("counter")
        .getJsonObject("upstream").getJsonObject(upstream, new JsonObject());
    return of.getJsonObject(backend, new JsonObject()).getString("health");
  }

  private static List<String> logged(Runnable action) {
    List<String> lines = new CopyOnWriteArrayList<>();
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord record) {
        lines.add(record.getMessage());
      }

      @Override
      public void flush() {
      }

      @Override
      public void close() {
      }
    };
    Logger logger = Logger.getLogger(BackendHealth.class.getName());
    Level level = logger.getLevel();
    logger.setLevel(Level.INFO);
    logger.setUseParentHandlers(false);
    logger.addHandler(capture);
    try {
      action.run();
    } finally {
      logger.removeHandler(capture);
      logger.setUseParentHandlers(true);
      logger.setLevel(level);
    }
    return lines;
  }

  @Test
  void httpCheckTakesABackendDownWhileItsHealthPathAnswers500AndBackUpWhenItAnswers200() {
    CheckedBackend a = checkedBackend("a");
    CheckedBackend b = checkedBackend("b");
    JsonObject settings = new JsonObject().put("sticky", false).put("healthCheck", httpCheck());
    put("hc-http", "a", a.port(), settings);
    put("hc-http", "b", b.port(), new JsonObject());
    awaitHealth("hc-http", "a", "up");
    awaitHealth("hc-http", "b", "up");
    ProxyClient client = client("127.0.0.1");

    List<String> down = logged(() -> {
      a.healthStatus().set(500);
      awaitHealth("hc-http", "a", "down");
    });

    assertTrue(down.stream().anyMatch(line -> line.contains("Backend a ")
        && line.contains("upstream hc-http") && line.contains("is down")), down.toString());
    for (int i = 0; i < 6; i++) {
      assertEquals("b", client.backendFor(host("hc-http")));
    }
    Eventually.within(() -> statsHealth("hc-http", "a"), "down"::equals, 5000,
        "stats showing a down");
    assertEquals("up", statsHealth("hc-http", "b"));

    List<String> up = logged(() -> {
      a.healthStatus().set(200);
      awaitHealth("hc-http", "a", "up");
    });

    assertTrue(up.stream().anyMatch(line -> line.contains("Backend a ")
        && line.contains("upstream hc-http") && line.contains("is up again")), up.toString());
    Eventually.within(() -> client.backendFor(host("hc-http")), "a"::equals, 5000,
        "a taking clients again");
  }

  @Test
  void stickyClientsOfABackendThatGoesDownMoveToAHealthyOne() {
    CheckedBackend a = checkedBackend("a");
    CheckedBackend b = checkedBackend("b");
    put("hc-sticky", "a", a.port(), new JsonObject().put("sticky", true)
        .put("healthCheck", httpCheck()));
    put("hc-sticky", "b", b.port(), new JsonObject());
    awaitHealth("hc-sticky", "a", "up");
    List<ProxyClient> onA = new ArrayList<>();
    for (int i = 40; i < 48; i++) {
      ProxyClient client = client("127.0.0." + i);
      if (client.backendFor(host("hc-sticky")).equals("a")) {
        onA.add(client);
      }
    }
    assertFalse(onA.isEmpty(), "some clients stick to a");

    a.healthStatus().set(500);
    awaitHealth("hc-sticky", "a", "down");

    for (ProxyClient client : onA) {
      assertEquals("b", client.backendFor(host("hc-sticky")), client.sourceAddress());
    }
    JsonObject sessions = admin.get("/proxy/sessions").json().getJsonObject("hc-sticky");
    for (ProxyClient client : onA) {
      assertEquals("b", sessions.getJsonObject(client.sourceAddress()).getString("id"));
    }
  }

  @Test
  void tcpCheckMarksAClosedPortDownAndAnOpenOneUp() {
    int open = Ports.free();
    Backends.echo(vertx, open);
    int closed = Ports.free();
    JsonObject check = new JsonObject().put("type", "tcp").put("interval", "200ms")
        .put("timeout", "200ms").put("healthy", 2).put("unhealthy", 2);
    put("hc-tcp", "open", open, new JsonObject().put("healthCheck", check));
    put("hc-tcp", "closed", closed, new JsonObject());

    awaitHealth("hc-tcp", "closed", "down");
    awaitHealth("hc-tcp", "open", "up");
    Eventually.within(() -> statsHealth("hc-tcp", "closed"), "down"::equals, 5000,
        "stats showing the closed port down");

    Backends.echo(vertx, closed);
    awaitHealth("hc-tcp", "closed", "up");
  }

  @Test
  void badHealthChecksAnswer400AndChangeNothing() {
    CheckedBackend a = checkedBackend("a");
    put("hc-bad", "a", a.port(), new JsonObject().put("healthCheck", httpCheck()));
    JsonObject before = admin.get("/proxy/upstreams/hc-bad").json();
    List<Object> bad = List.of(
        "yes",
        new JsonObject(),
        new JsonObject().put("type", "udp"),
        new JsonObject().put("type", "tcp").put("path", "/healthz"),
        new JsonObject().put("type", "http").put("path", "healthz"),
        new JsonObject().put("type", "http").put("path", "/a b"),
        new JsonObject().put("type", "http").put("interval", "fast"),
        new JsonObject().put("type", "http").put("interval", "10ms"),
        new JsonObject().put("type", "http").put("interval", "2h"),
        new JsonObject().put("type", "http").put("interval", 5),
        new JsonObject().put("type", "http").put("interval", "1s").put("timeout", "2s"),
        new JsonObject().put("type", "http").put("healthy", 0),
        new JsonObject().put("type", "http").put("unhealthy", "3"),
        new JsonObject().put("type", "http").put("unhealthy", 101),
        new JsonObject().put("type", "http").put("intervall", "5s"));

    for (Object check : bad) {
      JsonObject body = new JsonObject()
          .put("upstream", new JsonObject().put("name", "hc-bad").put("healthCheck", check))
          .put("backend", new JsonObject().put("id", "b").put("ip", "127.0.0.1")
              .put("port", a.port()));
      AdminClient.Answer answer = admin.put(body);
      assertEquals(400, answer.status(), check + ": " + answer.body());
      assertTrue(answer.error().startsWith("upstream.healthCheck"), answer.error());
    }
    JsonObject after = admin.get("/proxy/upstreams/hc-bad").json();
    assertEquals(before.getJsonObject("healthCheck"), after.getJsonObject("healthCheck"));
    assertEquals(1, after.getJsonArray("backends").size(), after.encode());
  }

  @Test
  void healthCheckSurvivesAnUpdateThatOmitsItAndGoesWithAnExplicitNull() {
    CheckedBackend a = checkedBackend("a");
    JsonObject stored = admin.putBackend("hc-keep", "a", a.port(),
        new JsonObject().put("healthCheck", httpCheck()), new JsonObject());
    assertEquals(httpCheck(), stored.getJsonObject("healthCheck"));
    awaitHealth("hc-keep", "a", "up");

    admin.putBackend("hc-keep", "a", a.port(), new JsonObject().put("alias", "keep.example"),
        new JsonObject());

    JsonObject listed = null;
    for (Object item : admin.get("/proxy/upstreams").array()) {
      if (((JsonObject) item).getString("name").equals("hc-keep")) {
        listed = (JsonObject) item;
      }
    }
    assertEquals(httpCheck(), listed.getJsonObject("healthCheck"), String.valueOf(listed));
    assertEquals("keep.example", listed.getString("alias"));

    admin.putBackend("hc-keep", "a", a.port(), new JsonObject().putNull("healthCheck"),
        new JsonObject());

    JsonObject removed = admin.get("/proxy/upstreams/hc-keep").json();
    assertNull(removed.getValue("healthCheck"), removed.encode());
    assertFalse(removed.containsKey("healthCheck"), removed.encode());
    awaitHealth("hc-keep", "a", "unchecked");
  }

  @Test
  void fieldsLeftOutOfAHealthCheckTakeTheirDefaults() {
    CheckedBackend a = checkedBackend("a");
    JsonObject stored = admin.putBackend("hc-defaults", "a", a.port(),
        new JsonObject().put("healthCheck", new JsonObject().put("type", "http")),
        new JsonObject());

    assertEquals(new JsonObject().put("type", "http").put("path", "/").put("interval", "5s")
        .put("timeout", "2s").put("healthy", 2).put("unhealthy", 3),
        stored.getJsonObject("healthCheck"));
    JsonObject backend = backendOf(admin.get("/proxy/upstreams/hc-defaults").json(), "a");
    assertEquals(a.port(), backend.getInteger("port"));
    assertEquals(100, backend.getInteger("weihgt"));
  }
}
