package dev.ferry.admin;

import static dev.ferry.testing.Backends.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.AdminClient;
import dev.ferry.testing.AdminClient.Answer;
import dev.ferry.testing.Backends;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Ports;
import dev.ferry.testing.ProxyClient;
import dev.ferry.testing.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The optional query parameters the dashboard pages and counts with. */
class AdminQueryParamsTest {

  private static final int UPSTREAMS = 30;

  private static TestNode node;
  private static AdminClient admin;
  private static Vertx vertx;
  private static int backendPort;

  @BeforeAll
  static void startNode() {
    node = TestNode.start();
    admin = node.admin();
    vertx = Backends.vertx();
    backendPort = Ports.free();
    Backends.named(vertx, "web", backendPort);
    for (int i = 0; i < UPSTREAMS; i++) {
      String name = String.format("app-%02d", i);
      JsonObject extra = i == 7 ? new JsonObject().put("alias", "Shop.Example.test")
          : new JsonObject();
      admin.putBackend(name, "1-" + name, backendPort, extra, new JsonObject());
    }
  }

  @AfterAll
  static void stopNode() {
    node.close();
    await(vertx.close());
  }

  private static List<String> names(JsonArray upstreams) {
    List<String> names = new ArrayList<>();
    upstreams.forEach(u -> names.add(((JsonObject) u).getString("name")));
    return names;
  }

  @Test
  void plainGetStillAnswersTheWholeList() {
    Answer answer = admin.get("/proxy/upstreams");
    assertEquals(200, answer.status());
    assertEquals(UPSTREAMS, answer.array().size());
  }

  @Test
  void offsetAndLimitAnswerOnePageInNameOrderWithTheTotal() {
    JsonObject page = admin.get("/proxy/upstreams?offset=20&limit=5").json();
    assertEquals(UPSTREAMS, page.getInteger("total"));
    assertEquals(20, page.getInteger("offset"));
    assertEquals(List.of("app-20", "app-21", "app-22", "app-23", "app-24"),
        names(page.getJsonArray("upstreams")));
    assertEquals(admin.get("/proxy/upstreams/app-20").json(),
        page.getJsonArray("upstreams").getJsonObject(0));
  }

  @Test
  void anyOneParameterAsksForAPageOfAtMostOneHundred() {
    JsonObject page = admin.get("/proxy/upstreams?q=").json();
    assertEquals(UPSTREAMS, page.getInteger("total"));
    assertEquals(0, page.getInteger("offset"));
    assertEquals(UPSTREAMS, page.getJsonArray("upstreams").size());
  }

  @Test
  void qMatchesNameOrAliasIgnoringCase() {
    JsonObject byName = admin.get("/proxy/upstreams?q=APP-1&limit=3").json();
    assertEquals(10, byName.getInteger("total"));
    assertEquals(List.of("app-10", "app-11", "app-12"),
        names(byName.getJsonArray("upstreams")));

    JsonObject byAlias = admin.get("/proxy/upstreams?q=example").json();
    assertEquals(List.of("app-07"), names(byAlias.getJsonArray("upstreams")));
  }

  @Test
  void anOffsetPastTheEndAnswersAnEmptyPage() {
    JsonObject page = admin.get("/proxy/upstreams?q=app-2&offset=500").json();
    assertEquals(10, page.getInteger("total"));
    assertTrue(page.getJsonArray("upstreams").isEmpty());
  }

  @ParameterizedTest
  @ValueSource(strings = {"offset=-1", "offset=abc", "offset=", "limit=0", "limit=1001",
      "limit=2.5", "q=a&q=b", "offset=99999999999"})
  void badPageParametersAreRefusedWith400(String query) {
    Answer answer = admin.get("/proxy/upstreams?" + query);
    assertEquals(400, answer.status(), answer.body());
    String name = query.substring(0, query.indexOf('='));
    assertTrue(answer.error().startsWith(name + " "), answer.error());
  }

  @Test
  void sessionCountsCountTheStickyClientsOfEachUpstream() {
    for (String ip : List.of("127.0.0.21", "127.0.0.22", "127.0.0.23")) {
      try (ProxyClient client = new ProxyClient(vertx, ip, node.httpPort)) {
        client.backendFor("app-03.ferry.local");
      }
    }
    try (ProxyClient client = new ProxyClient(vertx, "127.0.0.24", node.httpPort)) {
      client.backendFor("app-04.ferry.local");
    }

    JsonObject counts = Eventually.poll(() -> admin.get("/proxy/sessions?counts=true").json(),
        c -> c.getInteger("app-03", 0) == 3 && c.getInteger("app-04", 0) == 1,
        "three sessions in app-03 and one in app-04");
    JsonObject plain = admin.get("/proxy/sessions").json();
    assertEquals(plain.fieldNames(), counts.fieldNames());
    assertFalse(counts.containsKey("app-05"));
    assertEquals(plain, admin.get("/proxy/sessions?counts=false").json());
  }

  @ParameterizedTest
  @ValueSource(strings = {"counts=yes", "counts=", "counts=true&counts=true"})
  void badCountsAreRefusedWith400(String query) {
    Answer answer = admin.get("/proxy/sessions?" + query);
    assertEquals(400, answer.status(), answer.body());
    assertTrue(answer.error().startsWith("counts "), answer.error());
  }

  @Test
  void statsUpstreamsKeepsOnlyTheNamedUpstreamsCounters() {
    Eventually.poll(() -> admin.get("/proxy/stats").json().getJsonObject("counter")
        .getJsonObject("upstream"), all -> all.size() == UPSTREAMS, "counters of every upstream");

    JsonObject some = admin.get("/proxy/stats?upstreams=app-01,app-02,nothing").json();
    assertEquals(List.of("app-01", "app-02"), List.copyOf(
        some.getJsonObject("counter").getJsonObject("upstream").fieldNames()));
    assertTrue(some.getJsonObject("counter").containsKey("global"));
    assertTrue(some.containsKey("tcpd"));

    JsonObject none = admin.get("/proxy/stats?scope=cluster&upstreams=").json()
        .getJsonObject("sum");
    assertTrue(none.getJsonObject("global").containsKey("requests"));
    assertTrue(none.getJsonObject("upstream", new JsonObject()).isEmpty(), none.encode());

    JsonObject cluster = admin.get("/proxy/stats?scope=cluster&upstreams=app-09").json();
    assertEquals(List.of("app-09"), List.copyOf(cluster.getJsonObject("sum")
        .getJsonObject("upstream").fieldNames()));
  }

  @Test
  void statsUpstreamsIsRefusedOnOneUpstreamsStats() {
    Answer answer = admin.get("/proxy/stats/app-01?upstreams=app-02");
    assertEquals(400, answer.status(), answer.body());
  }
}
