package dev.ferry.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.AdminClient;
import dev.ferry.testing.AdminClient.Answer;
import dev.ferry.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A node with an {@code adminToken}: every admin call but {@code /healthz} needs it. */
class AdminTokenTest {

  private static final String TOKEN = "s3cret-Token-42";
  private static final String PUT_BODY = "{\"upstream\":{\"name\":\"guarded\"},"
      + "\"backend\":{\"id\":\"a\",\"ip\":\"10.0.0.5\",\"port\":80}}";
  private static final String DELETE_BODY = "{\"upstream\":{\"name\":\"guarded\"},"
      + "\"backend\":{\"id\":\"a\"}}";

  private static TestNode node;
  private static AdminClient admin;

  @BeforeAll
  static void startNode() {
    node = TestNode.start(new JsonObject().put("adminToken", TOKEN));
    admin = node.admin();
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  private record Call(String method, String path, String body) {
  }

  private static final Call PUT = new Call("PUT", "/proxy/upstreams", PUT_BODY);
  private static final Call DELETE = new Call("DELETE", "/proxy/upstreams", DELETE_BODY);

  /** Every admin route, with a body where the route takes one; the last is no route at all. */
  private static List<Call> everyGuardedCall() {
    List<Call> calls = new ArrayList<>();
    for (String path : List.of("/proxy/upstreams", "/proxy/upstreams/guarded",
        "/proxy/sessions", "/proxy/configs", "/proxy/stats", "/proxy/stats?scope=cluster",
        "/proxy/stats/guarded", "/proxy/stats/guarded/a", "/proxy/cluster", "/metrics",
        "/proxy/nowhere")) {
      calls.add(new Call("GET", path, null));
    }
    calls.add(PUT);
    calls.add(DELETE);
    calls.add(new Call("POST", "/proxy/upstreams", PUT_BODY));
    return calls;
  }

  private static Answer send(Call call, String authorization) {
    return admin.call(call.method, call.path, call.body,
        call.body == null ? null : "application/json", authorization);
  }

  private static String table() {
    return admin.get("/proxy/upstreams").body();
  }

  private static void assertRefused(String authorization, String expectedError) {
    String before = table();
    for (Call call : everyGuardedCall()) {
      Answer answer = send(call, authorization);
      String what = call + " with Authorization " + authorization + " -> " + answer.body();
      assertEquals(401, answer.status(), what);
      assertTrue(answer.raw().headers().firstValue("content-type").orElse("")
          .startsWith("application/json"), what);
      assertEquals(expectedError, answer.error(), what);
      assertEquals("Bearer", answer.raw().headers().firstValue("www-authenticate")
          .orElse(""), what);
      assertFalse(answer.body().contains(TOKEN), what);
    }
    assertEquals(before, table());
  }

  @Test
  void everyCallWithoutTheTokenAnswers401() {
    assertRefused(null, "this call needs Authorization: Bearer <adminToken>");
  }

  @Test
  void everyCallWithAWrongTokenAnswers401() {
    assertRefused("Bearer wrong", "the admin token is wrong");
    assertRefused("Bearer " + TOKEN.toUpperCase(), "the admin token is wrong");
  }

  @Test
  void aPrefixOrAnExtensionOfTheTokenIsWrong() {
    assertRefused("Bearer " + TOKEN.substring(0, TOKEN.length() - 1),
        "the admin token is wrong");
    assertRefused("Bearer " + TOKEN.substring(0, 1), "the admin token is wrong");
    assertRefused("Bearer " + TOKEN + "x", "the admin token is wrong");
  }

  @Test
  void anotherSchemeThanBearerIsRefusedEvenWithTheRightToken() {
    String expected = "the Authorization header must say Bearer <adminToken>";
    assertRefused("Basic " + TOKEN, expected);
    assertRefused("Token " + TOKEN, expected);
    assertRefused(TOKEN, expected);
    assertRefused("Bearer" + TOKEN, expected);
    assertRefused("Bearer", expected);
  }

  @Test
  void theRightTokenOpensEveryRoute() {
    for (Call call : everyGuardedCall()) {
      if (!call.method.equals("GET")) {
        continue;
      }
      int status = admin.get(call.path).status();
      int expected = call.path.equals("/proxy/nowhere")
          || call.path.equals("/proxy/upstreams/guarded") ? 404 : 200;
      assertEquals(expected, status, call.path);
    }
    assertEquals(201, send(PUT, "Bearer " + TOKEN).status());
    assertEquals(200, admin.get("/proxy/upstreams/guarded").status());
    assertEquals(204, send(DELETE, "Bearer " + TOKEN).status());
    assertEquals(404, admin.get("/proxy/upstreams/guarded").status());
  }

  @Test
  void theSchemeNameIsCaseInsensitive() {
    assertEquals(200, admin.call("GET", "/proxy/upstreams", null, null, "bearer " + TOKEN)
        .status());
    assertEquals(200, admin.call("GET", "/proxy/upstreams", null, null, "BEARER " + TOKEN)
        .status());
  }

  @Test
  void configsShowTheTokenAsStars() {
    Answer configs = admin.get("/proxy/configs");
    assertEquals(200, configs.status());
    assertEquals("***", configs.json().getString("adminToken"));
    assertFalse(configs.body().contains(TOKEN), configs.body());
  }

  @Test
  void healthzNeverNeedsTheToken() {
    assertEquals(200, admin.call("GET", "/healthz", null, null, null).status());
    assertEquals(200, admin.call("GET", "/healthz", null, null, "Bearer wrong").status());
    assertEquals(200, admin.call("GET", "/healthz", null, null, "Basic xyz").status());
    assertEquals(200, admin.get("/healthz").status());
  }

  @Test
  void aNodeWithoutTokenIgnoresTheHeader() {
    try (TestNode open = TestNode.start()) {
      AdminClient client = open.admin();
      assertEquals(200, client.call("GET", "/proxy/upstreams", null, null, null).status());
      assertNotEquals(401, client.call("GET", "/proxy/upstreams", null, null, "Bearer x")
          .status());
      assertEquals("", client.get("/proxy/configs").json().getString("adminToken"));
    }
  }
}
