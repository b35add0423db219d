package dev.ferry.http;

import static dev.ferry.testing.Backends.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.AdminClient;
import dev.ferry.testing.Backends;
import dev.ferry.testing.Ports;
import dev.ferry.testing.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class HttpRoutingTest {

  private static TestNode node;
  private static AdminClient admin;
  private static Vertx vertx;
  private static io.vertx.core.Context context;
  private static HttpClient client;

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

  /** A status and body text, as the client received them. */
  private record Reply(int status, String body) {

    JsonObject json() {
      return new JsonObject(body);
    }

    String backend() {
      return json().getString("backend");
    }

    String header(String name) {
      return json().getJsonObject("headers").getString(name);
    }
  }

  private static Reply get(String host) {
    return get(host, new JsonObject());
  }

  /** A GET through the proxy with {@code host} as the Host header, port included. */
  private static Reply get(String host, JsonObject headers) {
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.GET)
        .setServer(SocketAddress.inetSocketAddress(node.httpPort, "127.0.0.1"))
        .setHost(host)
        .setPort(node.httpPort)
        .setURI("/where?x=1");
    headers.forEach(h -> options.putHeader(h.getKey(), (String) h.getValue()));
    return await(Backends.on(context, () -> client.request(options)
        .compose(request -> request.send())
        .compose(response -> response.body().map(body ->
            new Reply(response.statusCode(), body.toString())))));
  }

  private static void backend(String upstream, String id, JsonObject upstreamExtra,
      JsonObject backendExtra) {
    int port = Ports.free();
    Backends.named(vertx, id, port);
    admin.putBackend(upstream, id, port, upstreamExtra, backendExtra);
  }

  private static void backend(String upstream, String id) {
    backend(upstream, id, new JsonObject(), new JsonObject());
  }

  @Test
  void aliasRoutesToItsUpstream() {
    backend("alias-up", "1-alias-up", new JsonObject().put("alias", "shop.example.com"),
        new JsonObject());

    Reply reply = get("shop.example.com");

    assertEquals(200, reply.status(), reply.body());
    assertEquals("1-alias-up", reply.backend());
    assertEquals("/where?x=1", reply.json().getString("path"));
  }

  @Test
  void nameUnderTheDomainRoutesToThatUpstream() {
    backend("named-up", "1-named-up");

    Reply reply = get("named-up.ferry.local");

    assertEquals(200, reply.status(), reply.body());
    assertEquals("1-named-up", reply.backend());
  }

  @Test
  void numberedHostPicksThatBackendPastStickinessAndWeight() {
    backend("pin-up", "1-pin-up");
    backend("pin-up", "2-pin-up");
    backend("pin-up", "zero", new JsonObject(), new JsonObject().put("weihgt", 0));
    String stuck = get("pin-up.ferry.local").backend();
    String other = stuck.equals("1-pin-up") ? "2-pin-up" : "1-pin-up";

    assertEquals(other, get(other.substring(0, 1) + ".pin-up.ferry.local").backend());
    assertEquals(stuck, get(stuck.substring(0, 1) + ".pin-up.ferry.local").backend());
    assertEquals("zero", get("zero.pin-up.ferry.local").backend());
    for (int i = 0; i < 4; i++) {
      assertEquals(stuck, get("pin-up.ferry.local").backend());
    }
  }

  @Test
  void numberedHostMakesNoStickySession() {
    backend("pin-loose", "1-pin-loose");

    assertEquals("1-pin-loose", get("1.pin-loose.ferry.local").backend());

    JsonObject sessions = admin.get("/proxy/sessions").json();
    assertNull(sessions.getJsonObject("pin-loose"), sessions.encode());
  }

  @Test
  void numberedHostOfAnUnknownBackendAnswers404() {
    backend("pin-missing", "1-pin-missing");

    Reply reply = get("7.pin-missing.ferry.local");

    assertEquals(404, reply.status());
    assertTrue(reply.body().contains("7.pin-missing.ferry.local"), reply.body());
  }

  @Test
  void hostWithPortAndInUpperCaseStillRoutes() {
    backend("case-up", "1-case-up", new JsonObject().put("alias", "case.example.com"),
        new JsonObject());

    assertEquals("1-case-up", get("CASE-UP.Ferry.LOCAL").backend());
    assertEquals("1-case-up", get("Case.Example.COM").backend());
    try (RawHttp raw = new RawHttp(node.httpPort)) {
      raw.send("GET / HTTP/1.1\r\nHost: CASE.EXAMPLE.COM:8123\r\n\r\n");
      RawHttp.Response response = raw.read();
      assertEquals(200, response.status(), response.body());
      assertEquals("1-case-up", new JsonObject(response.body()).getString("backend"));
    }
  }

  @Test
  void unknownHostAnswers404NamingTheHost() {
    Reply reply = get("nobody-here.example.org");

    assertEquals(404, reply.status());
    assertTrue(reply.body().contains("nobody-here.example.org"), reply.body());
    assertTrue(reply.body().length() < 200, reply.body());
  }

  @Test
  void requestWithoutHostAnswers404WithAReason() {
    try (RawHttp raw = new RawHttp(node.httpPort)) {
      raw.send("GET / HTTP/1.0\r\n\r\n");
      RawHttp.Response response = raw.read();

      assertEquals(404, response.status(), response.statusLine());
      assertTrue(response.body().contains("Host"), response.body());
    }
  }

  @Test
  void eachRequestOnAKeptAliveConnectionIsRoutedByItsOwnHost() {
    backend("keep-one", "1-keep-one");
    backend("keep-two", "1-keep-two");

    try (RawHttp raw = new RawHttp(node.httpPort)) {
      raw.send("GET /a HTTP/1.1\r\nHost: keep-one.ferry.local\r\n\r\n");
      RawHttp.Response first = raw.read();
      raw.send("GET /b HTTP/1.1\r\nHost: keep-two.ferry.local\r\n\r\n");
      RawHttp.Response second = raw.read();
      raw.send("GET /c HTTP/1.1\r\nHost: keep-one.ferry.local\r\n\r\n");
      RawHttp.Response third = raw.read();

      assertEquals("1-keep-one", new JsonObject(first.body()).getString("backend"));
      assertEquals("1-keep-two", new JsonObject(second.body()).getString("backend"));
      assertEquals("1-keep-one", new JsonObject(third.body()).getString("backend"));
    }
  }

  @Test
  void backendReceivesTheClientsHostHeaderUnchanged() {
    backend("host-up", "1-host-up", new JsonObject().put("alias", "host.example.com"),
        new JsonObject());

    try (RawHttp raw = new RawHttp(node.httpPort)) {
      raw.send("GET / HTTP/1.1\r\nHost: Host.Example.com:8123\r\n\r\n");
      JsonObject seen = new JsonObject(raw.read().body());
      raw.send("GET / HTTP/1.1\r\nHost: host.example.com\r\n\r\n");
      JsonObject seenWithoutPort = new JsonObject(raw.read().body());

      assertEquals("Host.Example.com:8123", seen.getJsonObject("headers").getString("host"));
      assertEquals("host.example.com",
          seenWithoutPort.getJsonObject("headers").getString("host"));
    }
  }

  @Test
  void forwardedHeadersAreAdded() {
    backend("fwd-up", "1-fwd-up");

    Reply plain = get("fwd-up.ferry.local");
    Reply chained = get("fwd-up.ferry.local",
        new JsonObject().put("X-Forwarded-For", "203.0.113.7"));

    assertEquals("127.0.0.1", plain.header("x-forwarded-for"));
    assertEquals("http", plain.header("x-forwarded-proto"));
    assertEquals("fwd-up.ferry.local:" + node.httpPort, plain.header("x-forwarded-host"));
    assertEquals("203.0.113.7, 127.0.0.1", chained.header("x-forwarded-for"));
  }
}
