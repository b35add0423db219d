package dev.ferry.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.AdminClient;
import dev.ferry.testing.AdminClient.Answer;
import dev.ferry.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class AdminApiTest {

  private static TestNode node;
  private static AdminClient admin;

  @BeforeAll
  static void startNode() {
    node = TestNode.start();
    admin = node.admin();
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  private static String table() {
    return admin.get("/proxy/upstreams").body();
  }

  private static JsonObject body(String name, String id, int port) {
    return new JsonObject()
        .put("upstream", new JsonObject().put("name", name))
        .put("backend", new JsonObject().put("id", id).put("ip", "10.0.0.5").put("port", port));
  }

  @Test
  void putCreatesUpstreamWithDefaultsAndAnswers201() {
    Answer answer = admin.put(body("defaults", "1-defaults", 31001));
    assertEquals(201, answer.status(), answer.body());
    JsonObject stored = admin.get("/proxy/upstreams/defaults").json();
    assertEquals("", stored.getString("alias"));
    assertEquals("", stored.getString("listen"));
    assertTrue(stored.getBoolean("sticky"));
    JsonObject backend = stored.getJsonArray("backends").getJsonObject(0);
    assertEquals(new JsonObject().put("id", "1-defaults").put("ip", "10.0.0.5")
        .put("port", 31001).put("scheme", "").put("version", "").put("weihgt", 100)
        .put("health", "unchecked"), backend);
  }

  @Test
  void putWithTheContractExampleKeepsEveryFieldAndTheOddWeightName() {
    JsonObject body = new JsonObject()
        .put("upstream", new JsonObject().put("name", "shop-default-alice-prod")
            .put("alias", "shop.example.com").put("listen", ":0" + Integer.toString(
                dev.ferry.testing.Ports.free())).put("sticky", true))
        .put("backend", new JsonObject().put("id", "1-shop-default-alice-prod")
            .put("ip", "10.0.0.5").put("port", 31001).put("scheme", "")
            .put("version", "1496706111228860282").put("weihgt", 100));
    Answer answer = admin.put(body);
    assertEquals(201, answer.status(), answer.body());
    JsonObject stored = admin.get("/proxy/upstreams/shop-default-alice-prod").json();
    assertEquals("shop.example.com", stored.getString("alias"));
    assertTrue(stored.getString("listen").matches(":[1-9][0-9]*"), stored.encode());
    JsonObject backend = stored.getJsonArray("backends").getJsonObject(0);
    assertEquals("1496706111228860282", backend.getString("version"));
    assertEquals(100, backend.getInteger("weihgt"));
    assertFalse(backend.containsKey("weight"));
    admin.deleteBackend("shop-default-alice-prod", "1-shop-default-alice-prod");
  }

  @Test
  void weightIsAcceptedAsSynonymAndWrittenAsWeihgt() {
    JsonObject body = body("synonym", "a", 80);
    body.getJsonObject("backend").put("weight", 7);
    assertEquals(201, admin.put(body).status());
    JsonObject backend = admin.get("/proxy/upstreams/synonym").json()
        .getJsonArray("backends").getJsonObject(0);
    assertEquals(7, backend.getInteger("weihgt"));
  }

  @Test
  void putUpdatesBackendInPlaceAndAppendsNewOnes() {
    admin.put(body("update", "a", 80));
    admin.put(body("update", "b", 81));
    JsonObject changed = body("update", "a", 82);
    changed.getJsonObject("backend").put("weihgt", 5);
    assertEquals(201, admin.put(changed).status());
    JsonArray backends = admin.get("/proxy/upstreams/update").json().getJsonArray("backends");
    assertEquals(2, backends.size());
    assertEquals("a", backends.getJsonObject(0).getString("id"));
    assertEquals(82, backends.getJsonObject(0).getInteger("port"));
    assertEquals(5, backends.getJsonObject(0).getInteger("weihgt"));
    assertEquals("b", backends.getJsonObject(1).getString("id"));
  }

  @Test
  void omittedUpstreamFieldsKeepTheirValuesOnUpdate() {
    JsonObject first = body("keep", "a", 80);
    first.getJsonObject("upstream").put("alias", "keep.example.com").put("sticky", false);
    admin.put(first);
    admin.put(body("keep", "b", 81));
    JsonObject stored = admin.get("/proxy/upstreams/keep").json();
    assertEquals("keep.example.com", stored.getString("alias"));
    assertFalse(stored.getBoolean("sticky"));
  }

  @Test
  void deleteRemovesBackendThenUpstreamWithItsLast() {
    admin.put(body("gone", "a", 80));
    admin.put(body("gone", "b", 81));
    admin.deleteBackend("gone", "a");
    assertEquals(1, admin.get("/proxy/upstreams/gone").json().getJsonArray("backends").size());
    admin.deleteBackend("gone", "b");
    Answer missing = admin.get("/proxy/upstreams/gone");
    assertEquals(404, missing.status());
    assertTrue(missing.error().contains("gone"), missing.body());
  }

  @Test
  void deleteOfUnknownUpstreamOrBackendAnswers404AndChangesNothing() {
    admin.put(body("known", "a", 80));
    String before = table();
    Answer noUpstream = admin.delete(
        "{\"upstream\":{\"name\":\"unknown\"},\"backend\":{\"id\":\"a\"}}");
    assertEquals(404, noUpstream.status());
    assertTrue(noUpstream.error().contains("unknown"), noUpstream.body());
    Answer noBackend = admin.delete(
        "{\"upstream\":{\"name\":\"known\"},\"backend\":{\"id\":\"zz\"}}");
    assertEquals(404, noBackend.status());
    assertTrue(noBackend.error().contains("zz"), noBackend.body());
    assertEquals(before, table());
  }

  @Test
  void aliasHeldByAnotherUpstreamAnswers409() {
    JsonObject first = body("alias-one", "a", 80);
    first.getJsonObject("upstream").put("alias", "taken.example.com");
    assertEquals(201, admin.put(first).status());
    String before = table();
    JsonObject second = body("alias-two", "a", 80);
    second.getJsonObject("upstream").put("alias", "TAKEN.example.com");
    Answer answer = admin.put(second);
    assertEquals(409, answer.status());
    assertEquals("alias taken.example.com is already used by upstream alias-one",
        answer.error());
    assertEquals(before, table());
  }

  @Test
  void listenPortOfAnotherUpstreamOrOfTheNodeAnswers409() {
    int port = dev.ferry.testing.Ports.free();
    JsonObject first = body("listen-one", "a", 80);
    first.getJsonObject("upstream").put("listen", ":" + port);
    assertEquals(201, admin.put(first).status());
    String before = table();

    JsonObject second = body("listen-two", "a", 80);
    second.getJsonObject("upstream").put("listen", "127.0.0.1:" + port);
    Answer clash = admin.put(second);
    assertEquals(409, clash.status());
    assertTrue(clash.error().contains("listen-one"), clash.body());

    JsonObject own = body("listen-three", "a", 80);
    own.getJsonObject("upstream").put("listen", ":" + node.httpPort);
    Answer ownPort = admin.put(own);
    assertEquals(409, ownPort.status());
    assertTrue(ownPort.error().contains("HTTP listener"), ownPort.body());

    JsonObject adminPort = body("listen-four", "a", 80);
    adminPort.getJsonObject("upstream").put("listen", ":" + node.adminPort);
    assertEquals(409, admin.put(adminPort).status());
    assertEquals(before, table());
  }

  @Test
  void listenCannotChangeOnceTheUpstreamExists() {
    int port = dev.ferry.testing.Ports.free();
    JsonObject first = body("fixed", "a", 80);
    first.getJsonObject("upstream").put("listen", ":" + port);
    admin.put(first);
    String before = table();
    JsonObject moved = body("fixed", "b", 80);
    moved.getJsonObject("upstream").put("listen", ":" + dev.ferry.testing.Ports.free());
    Answer answer = admin.put(moved);
    assertEquals(409, answer.status());
    assertTrue(answer.error().contains("cannot change"), answer.body());
    assertEquals(before, table());
  }

  /** The empty body and those of bad-puts.txt, one a line; lines with # first are notes. */
  static Stream<String> badPuts() throws IOException {
    try (InputStream in = AdminApiTest.class.getResourceAsStream("bad-puts.txt")) {
      List<String> bodies = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
          .filter(line -> !line.isBlank() && !line.startsWith("#"))
          .toList();
      return Stream.concat(Stream.of(""), bodies.stream());
    }
  }

  @ParameterizedTest
  @MethodSource("badPuts")
  void badPutAnswers400WithAnErrorAndChangesNothing(String bad) {
    String before = table();
    Answer answer = admin.put(bad);
    assertEquals(400, answer.status(), bad + " -> " + answer.body());
    assertFalse(answer.error().isBlank());
    assertEquals(before, table());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "",
      "{",
      "{\"upstream\":{\"name\":\"x\"}}",
      "{\"upstream\":{\"name\":\"x\"},\"backend\":{}}",
      "{\"upstream\":{\"name\":\"x\"},\"backend\":{\"id\":5}}",
  })
  void badDeleteAnswers400AndChangesNothing(String bad) {
    String before = table();
    Answer answer = admin.delete(bad);
    assertEquals(400, answer.status(), bad + " -> " + answer.body());
    assertEquals(before, table());
  }

  @Test
  void bodyThatIsNotJsonByItsTypeAnswers415() {
    String before = table();
    Answer answer = admin.call("PUT", "/proxy/upstreams",
        body("typed", "a", 80).encode(), "application/x-www-form-urlencoded");
    assertEquals(415, answer.status());
    assertTrue(answer.error().contains("application/json"), answer.body());
    assertEquals(before, table());
  }

  @Test
  void bodyOverTheLimitAnswers413() {
    String before = table();
    JsonObject huge = body("huge", "a", 80);
    huge.getJsonObject("backend").put("version", "v".repeat(100_000));
    Answer answer = admin.put(huge);
    assertEquals(413, answer.status());
    assertTrue(answer.error().contains("larger"), answer.body());
    assertEquals(before, table());
  }

  @Test
  void unknownUpstreamAnswers404AndUnknownRouteIsJson() {
    assertEquals(404, admin.get("/proxy/upstreams/nothing-here").status());
    Answer route = admin.get("/proxy/nowhere");
    assertEquals(404, route.status());
    assertTrue(route.error().contains("/proxy/nowhere"));
  }

  @Test
  void configsShowEveryKey() {
    JsonObject config = admin.get("/proxy/configs").json();
    for (String key : dev.ferry.config.FerryConfig.DEFAULTS.keySet()) {
      assertTrue(config.containsKey(key), key);
    }
    assertEquals("127.0.0.1:" + node.httpPort, config.getString("listenAddr"));
  }

  @Test
  void healthzAndMetricsAnswer() {
    assertEquals(200, admin.get("/healthz").status());
    Answer metrics = admin.get("/metrics");
    assertEquals(200, metrics.status());
    assertTrue(metrics.body().contains("\nferry_upstreams "), metrics.body());
    assertTrue(metrics.body().contains("\njvm_memory_used_bytes{"), metrics.body());
    // Per-request series of Vert.x would repeat ferry_* at a tenth of the proxy's CPU.
    assertFalse(metrics.body().contains("vertx_http_server"), metrics.body());
  }

  @Test
  void clusterListsThisNodeAsLocal() {
    JsonArray members = admin.get("/proxy/cluster").array();
    assertEquals(1, members.size());
    JsonObject self = members.getJsonObject(0);
    assertTrue(self.getBoolean("local"));
    assertEquals("127.0.0.1", self.getString("advertiseIP"));
    assertEquals("127.0.0.1:" + node.adminPort, self.getString("adminListenAddr"));
  }
}
