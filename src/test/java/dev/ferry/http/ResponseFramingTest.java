package dev.ferry.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.Backends;
import dev.ferry.testing.OneNode;
import dev.ferry.testing.Ports;
import dev.ferry.testing.RecordingBackend;
import io.vertx.core.net.NetServerOptions;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each hop frames its own body: what the backend sent arrives whole, in a framing the client
 * reads, and a kept-alive client connection stays in step for its next request.
 */
class ResponseFramingTest extends OneNode {

  private static int upstreams;

  /** A fresh upstream whose one backend answers these bytes and closes; its host name. */
  private static String upstream(String answer) {
    int port = Ports.free();
    new RecordingBackend(vertx, port, answer);
    String name = "framing-" + (++upstreams);
    admin.putBackend(name, "1", port);
    return name + ".ferry.local";
  }

  @Test
  void aBodyThatEndsWithTheBackendsConnectionReachesAnHttp11ClientChunked() {
    String host = upstream("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nuntil close");

    try (RawHttp raw = new RawHttp(node.httpPort)) {
      raw.send("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
      RawHttp.Response response = raw.read();

      assertEquals(200, response.status(), response.statusLine());
      assertEquals("chunked", response.headers().get("transfer-encoding"));
      assertEquals("until close", response.body());
      raw.send("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
      assertEquals("until close", raw.read().body());
    }
  }

  @Test
  void aBodyThatEndsWithTheBackendsConnectionReachesAnHttp10ClientUntilClose() {
    String host = upstream("HTTP/1.1 200 OK\r\n\r\nuntil close");

    RawHttp.Response response = RawHttp.roundTrip(node.httpPort,
        "GET / HTTP/1.0\r\nHost: " + host + "\r\n\r\n");

    assertEquals(200, response.status(), response.statusLine());
    assertNull(response.headers().get("transfer-encoding"), response.headers().toString());
    assertEquals("until close", response.body());
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void aLargeBodyFollowedByTheBackendsCloseArrivesWhole(boolean withLength) {
    String body = "0123456789abcdef".repeat(200_000);
    String host = upstream("HTTP/1.1 200 OK\r\n" + (withLength ? "content-length: "
        + body.length() + "\r\nconnection: close\r\n" : "") + "\r\n" + body);

    RawHttp.Response response = RawHttp.roundTrip(node.httpPort,
        "GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");

    assertEquals(200, response.status(), response.statusLine());
    assertEquals(body.length(), response.body().length());
    assertTrue(body.equals(response.body()), "the body arrived altered");
  }

  @Test
  void theAnswerToHeadKeepsItsLengthAndSendsNoBody() {
    String host = upstream("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n");

    try (RawHttp raw = new RawHttp(node.httpPort)) {
      raw.send("HEAD / HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
      RawHttp.Response head = raw.readHeadAnswer();
      assertEquals(200, head.status(), head.statusLine());
      assertEquals("5", head.headers().get("content-length"));

      raw.send("HEAD / HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
      RawHttp.Response next = raw.readHeadAnswer();
      assertEquals(200, next.status(), "the first answer carried body bytes: " + next);
    }
  }

  @Test
  void notModifiedAndNoContentCarryNoBody() {
    for (String status : new String[] {"304 Not Modified", "204 No Content"}) {
      String host = upstream("HTTP/1.1 " + status + "\r\netag: \"v1\"\r\n\r\n");

      try (RawHttp raw = new RawHttp(node.httpPort)) {
        raw.send("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
        RawHttp.Response first = raw.read();
        assertEquals(status, first.statusLine().substring(9));
        assertEquals("\"v1\"", first.headers().get("etag"));
        assertNull(first.headers().get("transfer-encoding"), first.headers().toString());

        raw.send("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
        RawHttp.Response second = raw.read();
        assertEquals(status, second.statusLine().substring(9), second.toString());
      }
    }
  }

  @Test
  void theBackendsReasonPhraseIsKept() {
    String host = upstream("HTTP/1.1 299 Fine Indeed\r\ncontent-length: 2\r\n\r\nok");

    RawHttp.Response response = RawHttp.roundTrip(node.httpPort,
        "GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");

    assertEquals("HTTP/1.1 299 Fine Indeed", response.statusLine());
    assertEquals("ok", response.body());
  }

  @Test
  void aBodyWithoutLengthToAKeptAliveHttp10ClientEndsWithTheConnection() throws IOException {
    String host = upstream("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
        + "5\r\nhello\r\n0\r\n\r\n");

    try (RawHttp raw = new RawHttp(node.httpPort)) {
      raw.send("GET / HTTP/1.0\r\nHost: " + host + "\r\nConnection: keep-alive\r\n\r\n");
      RawHttp.Response response = raw.read();

      assertEquals(200, response.status(), response.statusLine());
      assertNull(response.headers().get("transfer-encoding"), response.headers().toString());
      assertEquals("hello", response.body());
    }
  }

  @Test
  void anAnswerThatSwitchesProtocolsUnaskedIsA502AndItsConnectionIsNotReused() {
    for (String interim : new String[] {"101 Switching Protocols", "102 Processing"}) {
      String host = upstream("HTTP/1.1 " + interim + "\r\n\r\n"
          + "HTTP/1.1 200 OK\r\ncontent-length: 7\r\n\r\ntunnel!");

      RawHttp.Response response = RawHttp.roundTrip(node.httpPort,
          "GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");

      assertEquals(502, response.status(), interim + ": " + response);
      assertTrue(response.body().contains(interim), response.body());
    }
  }

  @Test
  void aFramingHeaderNamedInConnectionStillFramesTheBody() {
    String host = upstream("HTTP/1.1 200 OK\r\nConnection: content-length\r\n"
        + "content-length: 5\r\n\r\nhello");

    RawHttp.Response response = RawHttp.roundTrip(node.httpPort,
        "POST / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close, content-length\r\n"
            + "Content-Length: 4\r\n\r\nbody");

    assertEquals(200, response.status(), response.statusLine());
    assertEquals("hello", response.body());
  }

  @Test
  void anAnswerWithoutDateGetsOne() {
    String host = upstream("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");

    RawHttp.Response response = RawHttp.roundTrip(node.httpPort,
        "GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");

    assertTrue(response.headers().get("date").matches(
        "[A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT"),
        response.headers().toString());
  }

  @Test
  void aBackendClosingEachConnectionAfterItsAnswerNeverCostsAClientA502() {
    String host = upstream("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");

    try (RawHttp raw = new RawHttp(node.httpPort)) {
      for (int i = 0; i < 50; i++) {
        raw.send("GET /" + i + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
        RawHttp.Response response = raw.read();
        assertEquals(200, response.status(), "request " + i + ": " + response);
      }
    }
  }

  @Test
  void aBackendResettingAKeptAliveConnectionAsItIsReusedNeverCostsAClientA502() {
    // It answers each connection's first request and resets the connection when another comes.
    int port = Ports.free();
    Backends.await(vertx.createNetServer(new NetServerOptions().setSoLinger(0))
        .connectHandler(socket -> {
          boolean[] answered = new boolean[1];
          socket.handler(data -> {
            if (answered[0]) {
              socket.close();
            } else if (data.toString().contains("\r\n\r\n")) {
              answered[0] = true;
              socket.write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
            }
          });
        }).listen(port, "127.0.0.1"));
    admin.putBackend("resetting", "1", port);

    try (RawHttp raw = new RawHttp(node.httpPort)) {
      for (int i = 0; i < 30; i++) {
        // A PUT with an empty body is as safe to send again as a GET.
        raw.send((i % 2 == 0 ? "GET /" + i + " HTTP/1.1\r\n"
            : "PUT /" + i + " HTTP/1.1\r\nContent-Length: 0\r\n")
            + "Host: resetting.ferry.local\r\n\r\n");
        RawHttp.Response response = raw.read();
        assertEquals(200, response.status(), "request " + i + ": " + response);
      }
    }
  }

  @Test
  void aBackendThatResetsEveryRequestGetsA502SayingSoInPlainWords() {
    int port = Ports.free();
    Backends.await(vertx.createNetServer(new NetServerOptions().setSoLinger(0))
        .connectHandler(socket -> socket.handler(data -> socket.close()))
        .listen(port, "127.0.0.1"));
    admin.putBackend("rude", "1", port);

    RawHttp.Response response = RawHttp.roundTrip(node.httpPort,
        "GET / HTTP/1.1\r\nHost: rude.ferry.local\r\n\r\n");

    assertEquals(502, response.status(), response.statusLine());
    assertTrue(response.body().contains("reset"), response.body());
    assertTrue(!response.body().contains("(..)"), response.body());
  }

  @Test
  void aSwitchToAProtocolOtherThanWebSocketIsNotOfferedToTheBackend() {
    String host = upstream("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n"
        + "Connection: Upgrade\r\n\r\n");

    RawHttp.Response response = RawHttp.roundTrip(node.httpPort, "GET / HTTP/1.1\r\nHost: "
        + host + "\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
        + "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n");

    assertEquals(502, response.status(), response.toString());
  }
}
