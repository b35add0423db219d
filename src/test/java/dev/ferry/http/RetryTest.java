package dev.ferry.http;

import static dev.ferry.testing.Backends.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.AdminClient;
import dev.ferry.testing.Backends;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Ports;
import dev.ferry.testing.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RetryTest {

  private static TestNode node;
  private static AdminClient admin;
  private static Vertx vertx;
  private static io.vertx.core.Context context;
  private static HttpClient client;
  /** Requests this class sent through the proxy, each of which the node counts once. */
  private static long sent;

  @BeforeAll
  static void start() {
    node = TestNode.start();
    admin = node.admin();
    vertx = Backends.vertx();
    context = vertx.getOrCreateContext();
    client = vertx.createHttpClient();
  }

  @AfterAll
  static void stop() {
    await(vertx.close());
    node.close();
  }

  private record Reply(int status, String body) {
  }

  private static Reply send(HttpMethod method, String host, Buffer body) {
    sent++;
    RequestOptions options = new RequestOptions()
        .setMethod(method)
        .setServer(SocketAddress.inetSocketAddress(node.httpPort, "127.0.0.1"))
        .setHost(host)
        .setPort(node.httpPort)
        .setURI("/");
    return await(Backends.on(context, () -> client.request(options)
        .compose(request -> body == null ? request.send() : request.send(body))
        .compose(response -> response.body().map(text ->
            new Reply(response.statusCode(), text.toString())))));
  }

  /** A backend whose port has nothing listening on it. */
  private static void deadBackend(String upstream, String id, int weight) {
    deadBackend(upstream, id, weight, new JsonObject().put("sticky", false), "http");
  }

  private static void deadBackend(String upstream, String id, int weight,
      JsonObject upstreamExtra, String scheme) {
    admin.putBackend(upstream, id, Ports.free(), upstreamExtra,
        new JsonObject().put("weihgt", weight).put("scheme", scheme));
  }

  private static void liveBackend(String upstream, String id, int weight) {
    liveBackend(upstream, id, weight, new JsonObject().put("sticky", false), "http");
  }

  private static void liveBackend(String upstream, String id, int weight,
      JsonObject upstreamExtra, String scheme) {
    int port = Ports.free();
    Backends.named(vertx, id, port);
    admin.putBackend(upstream, id, port, upstreamExtra,
        new JsonObject().put("weihgt", weight).put("scheme", scheme));
  }

  /** The node's counters once it has counted every request this class sent. */
  private static JsonObject settledCounters() {
    JsonObject counted = Eventually.within(
        () -> admin.get("/proxy/stats").json().getJsonObject("counter").getJsonObject("global"),
        global -> global.getLong("requests") >= sent, 5000, sent + " requests counted");
    assertEquals(sent, counted.getLong("requests"), counted.encode());
    return counted;
  }

  private static long settledFails() {
    return settledCounters().getLong("fails");
  }

  @Test
  void refusedConnectionIsRetriedOnAnotherBackendForGetAndPost() {
    // The dead backend's weight makes the balancer try it first nearly every time.
    deadBackend("retry-up", "1-retry-up", 1000);
    liveBackend("retry-up", "2-retry-up", 1);
    Buffer payload = Backends.bytes(64 * 1024);
    long before = settledFails();

    for (int i = 0; i < 5; i++) {
      Reply get = send(HttpMethod.GET, "retry-up.ferry.local", null);
      assertEquals(200, get.status(), get.body());
      assertEquals("2-retry-up", new JsonObject(get.body()).getString("backend"));

      Reply post = send(HttpMethod.POST, "retry-up.ferry.local", payload);
      assertEquals(200, post.status(), post.body());
      JsonObject seen = new JsonObject(post.body());
      assertEquals("POST", seen.getString("method"));
      assertEquals(payload.length(), seen.getInteger("bodyLength"));
    }
    assertEquals(before, settledFails());
  }

  @Test
  void stickyClientOfARefusingBackendMovesToTheOneThatAnswered() {
    JsonObject sticky = new JsonObject().put("sticky", true);
    deadBackend("sticky-retry", "1-sticky-retry", 1000, sticky, "http");
    liveBackend("sticky-retry", "2-sticky-retry", 1, sticky, "http");

    for (int i = 0; i < 3; i++) {
      Reply reply = send(HttpMethod.GET, "sticky-retry.ferry.local", null);
      assertEquals(200, reply.status(), reply.body());
      assertEquals("2-sticky-retry", new JsonObject(reply.body()).getString("backend"));
    }
    JsonObject session = admin.get("/proxy/sessions").json()
        .getJsonObject("sticky-retry").getJsonObject("127.0.0.1");
    assertEquals("2-sticky-retry", session.getString("id"));
  }

  @Test
  void refusalIsRetriedWhileTheSchemeIsStillUnknown() {
    JsonObject loose = new JsonObject().put("sticky", false);
    deadBackend("probe-retry", "1-probe-retry", 1000, loose, "");
    liveBackend("probe-retry", "2-probe-retry", 1, loose, "");

    Reply reply = send(HttpMethod.GET, "probe-retry.ferry.local", null);

    assertEquals(200, reply.status(), reply.body());
    assertEquals("2-probe-retry", new JsonObject(reply.body()).getString("backend"));
  }

  @Test
  void everyBackendRefusingAnswers502WithAReason() {
    deadBackend("refuse-all", "1-refuse-all", 100);
    deadBackend("refuse-all", "2-refuse-all", 100);
    long before = settledFails();

    Reply get = send(HttpMethod.GET, "refuse-all.ferry.local", null);
    Reply post = send(HttpMethod.POST, "refuse-all.ferry.local", Buffer.buffer("order=1"));

    assertEquals(502, get.status());
    assertTrue(get.body().contains("refuse-all") && get.body().contains("refused"), get.body());
    assertEquals(502, post.status());
    assertTrue(post.body().contains("refuse-all"), post.body());
    assertEquals(before + 2, settledFails());
  }

  @Test
  void pinnedBackendRefusingAnswers502WithoutTryingAnother() {
    deadBackend("pin-dead", "1-pin-dead", 100);
    liveBackend("pin-dead", "2-pin-dead", 100);
    long before = settledFails();

    Reply reply = send(HttpMethod.GET, "1.pin-dead.ferry.local", null);

    assertEquals(502, reply.status(), reply.body());
    assertTrue(reply.body().contains("1-pin-dead"), reply.body());
    assertEquals(before + 1, settledFails());
    Reply live = send(HttpMethod.GET, "2.pin-dead.ferry.local", null);
    assertEquals(200, live.status(), live.body());
  }

  @Test
  void upstreamWhoseBackendsAllWeighZeroAnswers502WithAReason() {
    liveBackend("weightless", "1-weightless", 0);
    liveBackend("weightless", "2-weightless", 0);
    long before = settledFails();

    Reply reply = send(HttpMethod.GET, "weightless.ferry.local", null);

    assertEquals(502, reply.status(), reply.body());
    assertTrue(reply.body().contains("weightless")
        && reply.body().contains("no backend that takes new clients"), reply.body());
    assertEquals(before + 1, settledFails());
  }
}
