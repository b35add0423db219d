package dev.ferry.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.AdminClient;
import dev.ferry.testing.AdminClient.Answer;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.LogCapture;
import dev.ferry.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Calls the admin API refuses: each gets a 4xx with a JSON error that says what is wrong,
 * leaves the table as it was, and logs nothing an operator would have to look at.
 */
class AdminRefusalTest {

  private static TestNode node;
  private static AdminClient admin;

  @BeforeAll
  static void startNode() {
    node = TestNode.start();
    admin = node.admin();
    admin.put(body("kept", "1", "10.0.0.9"));
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  private static String table() {
    return admin.get("/proxy/upstreams").body();
  }

  private static JsonObject body(String name, String id, String ip) {
    return new JsonObject()
        .put("upstream", new JsonObject().put("name", name))
        .put("backend", new JsonObject().put("id", id).put("ip", ip).put("port", 8000));
  }

  private static Answer refused(int status, String method, String body, String type) {
    String before = table();
    Answer answer = admin.call(method, "/proxy/upstreams", body, type);
    assertEquals(status, answer.status(), body + " -> " + answer.body());
    assertTrue(answer.raw().headers().firstValue("content-type").orElse("")
        .startsWith("application/json"), answer.body());
    assertFalse(answer.error().isBlank());
    assertEquals(before, table(), "the table changed");
    return answer;
  }

  private static Answer refusedPut(int status, String body) {
    return refused(status, "PUT", body, "application/json");
  }

  /** Sends {@code request} as it is and answers what the node sent back before closing. */
  private static String raw(String request) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", node.adminPort)) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"/proxy/stats/%", "/proxy/upstreams/%zz", "/proxy/stats/a/%4",
      "/proxy/stats/%g0/b", "/proxy/upstreams?q=%zz"})
  void malformedPercentEscapeAnswersJson400AndLogsNothing(String path) throws IOException {
    String before = table();
    String answer;
    try (LogCapture logs = new LogCapture("io.vertx", "dev.ferry")) {
      answer = raw("GET " + path + " HTTP/1.1\r\nHost: admin\r\nConnection: close\r\n\r\n");
      assertEquals(List.of(), logs.above(Level.FINE));
    }
    assertTrue(answer.startsWith("HTTP/1.1 400 "), answer);
    assertTrue(answer.toLowerCase().contains("content-type: application/json"), answer);
    String error = new JsonObject(answer.substring(answer.indexOf("\r\n\r\n") + 4))
        .getString("error");
    assertFalse(error.contains("Exception"), error);
    assertEquals(before, table());
  }

  @Test
  void clientThatLeavesMidBodyIsNoError() throws IOException {
    String before = table();
    try (LogCapture logs = new LogCapture("io.vertx", "dev.ferry")) {
      try (Socket socket = new Socket("127.0.0.1", node.adminPort)) {
        OutputStream out = socket.getOutputStream();
        out.write(("PUT /proxy/upstreams HTTP/1.1\r\nHost: admin\r\n"
            + "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"upstr")
            .getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
      }
      Eventually.until(() -> logs.contains("the client closed the connection"), 10,
          "the node to notice the client left");
      assertEquals(List.of(), logs.above(Level.FINE));
    }
    assertEquals(before, table());
  }

  @ParameterizedTest
  @ValueSource(strings = {"fe80::1%eth0", "fe80::1%25eth0", "[fe80::1%1]", "127.000.000.001",
      "010.0.0.1", "::ffff:010.0.0.1", "[10.0.0.1]", "[::1", "1.2.3"})
  void ipWithZoneIdOrLeadingZerosIsRefused(String ip) {
    Answer answer = refusedPut(400, body("ips", "1", ip).encode());
    assertTrue(answer.error().startsWith("backend.ip"), answer.body());
  }

  @Test
  void ipIsStoredInOneFormWithoutBrackets() {
    String[][] forms = {{"0:0:0:0:0:0:0:1", "::1"}, {"[::1]", "::1"}, {"::1", "::1"},
        {"2001:DB8:0:0::1", "2001:db8::1"}, {"[2001:db8::0:1]", "2001:db8::1"},
        {"::ffff:10.0.0.5", "10.0.0.5"}, {"10.0.0.5", "10.0.0.5"}};
    for (String[] form : forms) {
      Answer answer = admin.put(body("canonical", "1", form[0]));
      assertEquals(201, answer.status(), answer.body());
      JsonObject stored = admin.get("/proxy/upstreams/canonical").json()
          .getJsonArray("backends").getJsonObject(0);
      assertEquals(form[1], stored.getString("ip"), form[0]);
    }
    admin.deleteBackend("canonical", "1");
  }

  @ParameterizedTest
  @ValueSource(strings = {".", "..", "-1", "_a", ":a", ".hidden"})
  void backendIdMustStartWithALetterOrDigit(String id) {
    Answer answer = refusedPut(400, body("ids", id, "10.0.0.5").encode());
    assertTrue(answer.error().contains("starting with a letter or digit"), answer.body());
    Answer delete = refused(404, "DELETE", "{\"upstream\":{\"name\":\"kept\"},"
        + "\"backend\":{\"id\":\"" + id + "\"}}", "application/json");
    assertTrue(delete.error().contains("has no backend " + id), delete.body());
  }

  @Test
  void duplicateKeyIsRefusedByName() {
    Answer top = refusedPut(400, "{\"upstream\":{\"name\":\"dup\"},\"upstream\":{\"name\":"
        + "\"other\"},\"backend\":{\"id\":\"1\",\"ip\":\"10.0.0.5\",\"port\":80}}");
    assertTrue(top.error().contains("the key upstream is given twice"), top.body());
    Answer inner = refusedPut(400, "{\"upstream\":{\"name\":\"a\",\"name\":\"b\"},"
        + "\"backend\":{\"id\":\"1\",\"ip\":\"10.0.0.5\",\"port\":80}}");
    assertEquals("the key upstream.name is given twice (line 1, column 25)", inner.error());
    Answer delete = refused(400, "DELETE", "{\"upstream\":{\"name\":\"kept\"},"
        + "\"backend\":{\"id\":\"1\",\"id\":\"1\"}}", "application/json");
    assertTrue(delete.error().contains("backend.id is given twice"), delete.body());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"upstream\":{\"name\":\"c\"} /* note */,\"backend\":{\"id\":\"1\",\"ip\":\"10.0.0.5\","
          + "\"port\":80}}",
      "// note\n{\"upstream\":{\"name\":\"c\"},\"backend\":{\"id\":\"1\",\"ip\":\"10.0.0.5\","
          + "\"port\":80}}",
      "{\"upstream\":{\"name\":\"c\"},\n# note\n\"backend\":{\"id\":\"1\",\"ip\":\"10.0.0.5\","
          + "\"port\":80}}"})
  void commentsAreRefused(String body) {
    Answer answer = refusedPut(400, body);
    assertTrue(answer.error().contains("comments are not allowed"), answer.body());
    assertTrue(answer.error().matches(".*\\(line \\d+, column \\d+\\)"), answer.body());
  }

  @ParameterizedTest
  @ValueSource(strings = {"{\"upstream\":{\"name\":NaN}}", "{\"upstream\":{\"name\":'a'}}",
      "{upstream:{}}", "{\"upstream\":{\"name\":\"a\",}}", "{\"upstream\":01}",
      "{\"upstream\":{\"name\":\"a\\q\"}}", "{\"upstream\":{\"name\":\"a\"]}",
      "{\"upstream\":{\"name\":", "{\"upstream\":\"\n\"}", "{} {}", "{\"a\":1} x",
      "{\"upstream\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}"})
  void malformedJsonGetsAPlainReasonWithItsPlace(String body) {
    Answer answer = refusedPut(400, body);
    String error = answer.error();
    for (String internal : List.of("Feature", "StreamRead", "Constraints", "Source",
        "REDACTED", "code ", "Exception", "jackson")) {
      assertFalse(error.contains(internal), error);
    }
    assertTrue(error.matches(".*\\(line \\d+, column \\d+\\)"), error);
  }

  @ParameterizedTest
  @ValueSource(strings = {"application/jsonx", "application/json-patch", "text/json",
      "application/+json", "text/plain; charset=application/json", "application/x-json"})
  void contentTypeOtherThanJsonAnswers415(String type) {
    Answer answer = refused(415, "PUT", body("typed", "1", "10.0.0.5").encode(), type);
    assertTrue(answer.error().contains("application/json"), answer.body());
  }

  @ParameterizedTest
  @ValueSource(strings = {"application/json", "application/json; charset=utf-8",
      "Application/JSON;charset=UTF-8", "application/problem+json",
      "application/vnd.ferry.v1+json; charset=utf-8"})
  void jsonAndJsonBasedTypesAreAccepted(String type) {
    Answer answer = admin.call("PUT", "/proxy/upstreams",
        body("typed", "1", "10.0.0.5").encode(), type);
    assertEquals(201, answer.status(), type + " -> " + answer.body());
    admin.deleteBackend("typed", "1");
  }

  @Test
  void versionIsAtMost256Characters() {
    JsonObject tooLong = body("versioned", "1", "10.0.0.5");
    tooLong.getJsonObject("backend").put("version", "v".repeat(257));
    Answer answer = refusedPut(400, tooLong.encode());
    assertTrue(answer.error().startsWith("backend.version"), answer.body());
    JsonObject longest = body("versioned", "1", "10.0.0.5");
    longest.getJsonObject("backend").put("version", "v".repeat(256));
    assertEquals(201, admin.put(longest).status());
    admin.deleteBackend("versioned", "1");
  }

  @Test
  void unknownFieldsAreStillIgnored() {
    JsonObject extra = body("extras", "1", "10.0.0.5").put("dryRun", true);
    extra.getJsonObject("upstream").put("namespace", "default");
    extra.getJsonObject("backend").put("labels", new JsonObject().put("a", "b"));
    assertEquals(201, admin.put(extra).status());
    admin.deleteBackend("extras", "1");
  }

  @Test
  void wrongMethodOnARouteAnswers405WithAllow() {
    String before = table();
    String[][] calls = {{"POST", "/proxy/upstreams", "DELETE, GET, HEAD, PUT"},
        {"PATCH", "/proxy/upstreams", "DELETE, GET, HEAD, PUT"},
        {"DELETE", "/proxy/upstreams/kept", "GET, HEAD"},
        {"PUT", "/proxy/stats/kept/1", "GET, HEAD"},
        {"POST", "/healthz", "GET, HEAD"}};
    for (String[] call : calls) {
      Answer answer = admin.call(call[0], call[1], "{}", "application/json");
      String what = call[0] + " " + call[1] + " -> " + answer.body();
      assertEquals(405, answer.status(), what);
      assertEquals(call[2], answer.raw().headers().firstValue("allow").orElse(""), what);
      assertTrue(answer.error().contains("allowed: " + call[2]), what);
    }
    assertEquals(404, admin.call("POST", "/proxy/nowhere", "{}", "application/json").status());
    assertEquals(before, table());
  }

  @Test
  void headOnAReadRouteAnswersLikeGetWithoutABody() {
    Answer head = admin.call("HEAD", "/proxy/upstreams/kept", null, null);
    assertEquals(200, head.status());
    assertEquals("", head.body());
    assertEquals(404, admin.call("HEAD", "/proxy/upstreams/missing", null, null).status());
    assertEquals(200, admin.call("HEAD", "/healthz", null, null).status());
  }

  @ParameterizedTest
  @ValueSource(strings = {"shop.ferry.local", "1.shop.ferry.local", "SHOP.Ferry.Local.",
      "kept.ferry.local"})
  void aliasUnderTheRoutingDomainAnswers409(String alias) {
    JsonObject put = body("hijack", "1", "10.0.0.5");
    put.getJsonObject("upstream").put("alias", alias);
    Answer answer = refusedPut(409, put.encode());
    assertTrue(answer.error().contains("reached by upstream name"), answer.body());
    JsonObject update = body("kept", "1", "10.0.0.9");
    update.getJsonObject("upstream").put("alias", alias);
    refusedPut(409, update.encode());
  }

  @Test
  void aliasBesideTheRoutingDomainIsAccepted() {
    for (String alias : List.of("ferry.local", "notferry.local", "ferry.local.example.com")) {
      JsonObject put = body("beside", "1", "10.0.0.5");
      put.getJsonObject("upstream").put("alias", alias);
      assertEquals(201, admin.put(put).status(), alias);
      admin.deleteBackend("beside", "1");
    }
  }

  @Test
  void listenOnTheEventBusPortAnswers409() {
    int eventBus = node.node.clusterManager().getNodeInfo().port();
    JsonObject put = body("bus", "1", "10.0.0.5");
    put.getJsonObject("upstream").put("listen", ":" + eventBus);
    Answer answer = refusedPut(409, put.encode());
    assertTrue(answer.error().contains("event bus"), answer.body());
  }
}
