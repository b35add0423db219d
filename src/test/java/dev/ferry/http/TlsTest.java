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
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.core.net.SocketAddress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TlsTest {

  private static SelfSignedCertificate certificate;
  private static TestNode node;
  private static int tlsPort;
  private static AdminClient admin;
  private static Vertx vertx;
  private static io.vertx.core.Context context;
  private static HttpClient plainClient;
  private static HttpClient tlsClient;

  @BeforeAll
  static void start() {
    certificate = SelfSignedCertificate.create("localhost");
    tlsPort = Ports.free();
    node = TestNode.start(new JsonObject()
        .put("tlsListenAddr", "127.0.0.1:" + tlsPort)
        .put("tlsCertFile", certificate.certificatePath())
        .put("tlsKeyFile", certificate.privateKeyPath()));
    admin = node.admin();
    vertx = Backends.vertx();
    context = vertx.getOrCreateContext();
    plainClient = vertx.createHttpClient();
    tlsClient = vertx.createHttpClient(new HttpClientOptions()
        .setSsl(true).setTrustAll(true).setVerifyHost(false));
  }

  @AfterAll
  static void stop() {
    await(vertx.close());
    node.close();
    certificate.delete();
  }

  private static JsonObject get(HttpClient client, int port, String host) {
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.GET)
        .setServer(SocketAddress.inetSocketAddress(port, "127.0.0.1"))
        .setHost(host)
        .setPort(port)
        .setURI("/");
    return await(Backends.on(context, () -> client.request(options)
        .compose(request -> request.send())
        .compose(response -> response.body().map(body -> {
          assertEquals(200, response.statusCode(), body.toString());
          return new JsonObject(body.toString());
        }))));
  }

  /** An HTTPS backend answering with its name and whether the request came over TLS. */
  private static int httpsBackend(String name) {
    int port = Ports.free();
    await(vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setSsl(true)
            .setKeyCertOptions(certificate.keyCertOptions()))
        .requestHandler(req -> req.response().putHeader("content-type", "application/json")
            .end(new JsonObject().put("backend", name).put("tls", req.isSSL()).encode()))
        .listen(port));
    return port;
  }

  private static String storedScheme(String upstream) {
    return admin.get("/proxy/upstreams/" + upstream).json().getJsonArray("backends")
        .getJsonObject(0).getString("scheme");
  }

  @Test
  void httpsListenerRoutesAndForwardsProtoHttps() {
    int port = Ports.free();
    Backends.named(vertx, "1-tls-in", port);
    admin.putBackend("tls-in", "1-tls-in", port);

    JsonObject seen = get(tlsClient, tlsPort, "tls-in.ferry.local");

    assertEquals("1-tls-in", seen.getString("backend"));
    assertEquals("https", seen.getJsonObject("headers").getString("x-forwarded-proto"));
    JsonObject plain = get(plainClient, node.httpPort, "tls-in.ferry.local");
    assertEquals("http", plain.getJsonObject("headers").getString("x-forwarded-proto"));
  }

  @Test
  void backendRegisteredAsHttpsIsReachedOverTls() {
    int port = httpsBackend("1-tls-out");
    admin.putBackend("tls-out", "1-tls-out", port, new JsonObject(),
        new JsonObject().put("scheme", "https"));

    JsonObject seen = get(plainClient, node.httpPort, "tls-out.ferry.local");

    assertEquals("1-tls-out", seen.getString("backend"));
    assertTrue(seen.getBoolean("tls"));
  }

  @Test
  void emptySchemeOnAnHttpsBackendIsDetectedAndRecorded() {
    int port = httpsBackend("1-tls-probe");
    admin.putBackend("tls-probe", "1-tls-probe", port, new JsonObject(),
        new JsonObject().put("scheme", ""));
    assertEquals("", storedScheme("tls-probe"));

    JsonObject seen = get(plainClient, node.httpPort, "tls-probe.ferry.local");

    assertEquals("1-tls-probe", seen.getString("backend"));
    assertTrue(seen.getBoolean("tls"));
    Eventually.within(() -> storedScheme("tls-probe"), "https"::equals, 5000, "scheme https");
  }

  @Test
  void emptySchemeOnAPlainBackendIsRecordedAsHttp() {
    int port = Ports.free();
    Backends.named(vertx, "1-plain-probe", port);
    admin.putBackend("plain-probe", "1-plain-probe", port, new JsonObject(),
        new JsonObject().put("scheme", ""));

    JsonObject seen = get(plainClient, node.httpPort, "plain-probe.ferry.local");

    assertEquals("1-plain-probe", seen.getString("backend"));
    Eventually.within(() -> storedScheme("plain-probe"), "http"::equals, 5000, "scheme http");
  }
}
