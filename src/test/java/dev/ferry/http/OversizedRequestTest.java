package dev.ferry.http;

import static dev.ferry.testing.Backends.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.testing.Backends;
import dev.ferry.testing.Ports;
import dev.ferry.testing.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class OversizedRequestTest {

  private static final String HOST = "big.ferry.local";

  private static TestNode node;
  private static Vertx vertx;

  @BeforeAll
  static void start() {
    node = TestNode.start();
    vertx = Backends.vertx();
    // A backend that takes more than the proxy does, so that every refusal is the proxy's.
    int port = Ports.free();
    await(vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1")
            .setMaxInitialLineLength(64 * 1024).setMaxHeaderSize(64 * 1024))
        .requestHandler(request -> request.response().end("ok"))
        .listen(port));
    node.admin().putBackend("big", "1-big", port);
  }

  @AfterAll
  static void stop() {
    await(vertx.close());
    node.close();
  }

  private static int statusOf(String path, String extraHeaders) {
    try (RawHttp client = new RawHttp(node.httpPort)) {
      client.send("GET " + path + " HTTP/1.1\r\nHost: " + HOST + "\r\n" + extraHeaders
          + "Connection: close\r\n\r\n");
      return client.read().status();
    }
  }

  @Test
  void requestLineOverEightKibibytesIsAnswered414() {
    assertEquals(414, statusOf("/" + "a".repeat(8200), ""));
  }

  @Test
  void requestLineJustUnderTheLimitIsForwarded() {
    // Longer than Vert.x's own default of 4096, so the limit is Ferry's setting.
    assertEquals(200, statusOf("/" + "a".repeat(8000), ""));
  }

  @Test
  void headerBlockOverEightKibibytesIsAnswered431() {
    StringBuilder headers = new StringBuilder();
    for (int i = 0; i < 20; i++) {
      headers.append("X-Filler-").append(i).append(": ").append("b".repeat(500)).append("\r\n");
    }
    assertEquals(431, statusOf("/", headers.toString()));
  }

  @Test
  void singleHeaderOverEightKibibytesIsAnswered431() {
    assertEquals(431, statusOf("/", "Cookie: " + "c".repeat(9000) + "\r\n"));
  }

  @Test
  void headerBlockUnderTheLimitIsForwarded() {
    assertEquals(200, statusOf("/", "Cookie: " + "c".repeat(7000) + "\r\n"));
  }
}
