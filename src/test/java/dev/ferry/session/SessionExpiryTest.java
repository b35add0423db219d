package dev.ferry.session;

import static dev.ferry.testing.Backends.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.AdminClient;
import dev.ferry.testing.Backends;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Ports;
import dev.ferry.testing.ProxyClient;
import dev.ferry.testing.TestNode;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SessionExpiryTest {

  private static TestNode node;
  private static AdminClient admin;
  private static Vertx vertx;

  @BeforeAll
  static void startNode() {
    node = TestNode.start(new JsonObject().put("sessionTimeout", "2s"));
    admin = node.admin();
    vertx = Backends.vertx();
  }

  @AfterAll
  static void stopNode() {
    node.close();
    await(vertx.close());
  }

  private static int namedBackend(String name) {
    int port = Ports.free();
    Backends.named(vertx, name, port);
    return port;
  }

  private static JsonObject sessionOf(String upstream, String ip) {
    JsonObject of = admin.get("/proxy/sessions").json().getJsonObject(upstream);
    return of == null ? null : of.getJsonObject(ip);
  }

  @Test
  void unusedSessionExpiresAndTheClientIsBalancedAfresh() {
    int a = namedBackend("a");
    admin.putBackend("expiry-idle", "a", a);
    try (ProxyClient client = new ProxyClient(vertx, "127.0.0.20", node.httpPort)) {
      assertEquals("a", client.backendFor("expiry-idle.ferry.local"));
      admin.putBackend("expiry-idle", "b", namedBackend("b"));
      admin.putBackend("expiry-idle", "a", a, new JsonObject(),
          new JsonObject().put("weihgt", 0));
      assertEquals("a", client.backendFor("expiry-idle.ferry.local"), "still sticky");

      Eventually.poll(Duration.ofSeconds(10), () -> sessionOf("expiry-idle", "127.0.0.20"),
          session -> session == null, "the idle session gone from /proxy/sessions");

      assertEquals("b", client.backendFor("expiry-idle.ferry.local"));
      assertEquals("b", sessionOf("expiry-idle", "127.0.0.20").getString("id"));
    }
  }

  @Test
  void sessionInSteadyUseOutlivesTheTimeout() {
    admin.putBackend("expiry-busy", "a", namedBackend("a"));
    admin.putBackend("expiry-busy", "b", namedBackend("b"));
    try (ProxyClient client = new ProxyClient(vertx, "127.0.0.21", node.httpPort)) {
      String first = client.backendFor("expiry-busy.ferry.local");

      List<String> seen = usedEvery(client, "expiry-busy.ferry.local", 300, 4_000);

      assertTrue(seen.size() >= 10, "requests sent: " + seen.size());
      assertTrue(seen.stream().allMatch(first::equals), "always " + first + ": " + seen);
      JsonObject session = sessionOf("expiry-busy", "127.0.0.21");
      assertNotNull(session, "the session is still listed");
      assertEquals(first, session.getString("id"));
      OffsetDateTime updated = OffsetDateTime.parse(session.getString("updated_at"));
      assertTrue(updated.isAfter(OffsetDateTime.now().minusSeconds(2)), session.encode());
    }
  }

  /** The backends that answered one request sent every {@code periodMillis} for a while. */
  private static List<String> usedEvery(ProxyClient client, String host, long periodMillis,
      long forMillis) {
    List<String> seen = Collections.synchronizedList(new ArrayList<>());
    Promise<List<String>> done = Promise.promise();
    long end = System.currentTimeMillis() + forMillis;
    vertx.setPeriodic(periodMillis, timer -> client.backendForAsync(host).onComplete(ar -> {
      if (ar.failed()) {
        vertx.cancelTimer(timer);
        done.tryFail(ar.cause());
        return;
      }
      seen.add(ar.result());
      if (System.currentTimeMillis() >= end) {
        vertx.cancelTimer(timer);
        done.tryComplete(seen);
      }
    }));
    return await(done.future());
  }
}
