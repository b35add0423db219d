package dev.ferry.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.OneNode;
import dev.ferry.testing.Ports;
import dev.ferry.testing.RecordingBackend;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * Requests the proxy cannot route safely are answered at the proxy, before any backend or the
 * client's body is involved: a missing, repeated or malformed Host, a request target holding
 * control or non-ASCII bytes, and a go-ahead for a body only once the request has somewhere to
 * go.
 */
class RequestValidationTest extends OneNode {

  private static int upstreams;

  /** A fresh upstream in front of a fresh recording backend; answers its host name. */
  private static RecordingBackend backend(String[] host) {
    int port = Ports.free();
    RecordingBackend backend = new RecordingBackend(vertx, port);
    String name = "validation-" + (++upstreams);
    admin.putBackend(name, "1", port);
    host[0] = name + ".ferry.local";
    return backend;
  }

  private static RawHttp.Response send(String request) {
    return RawHttp.roundTrip(node.httpPort, request);
  }

  @Test
  void twoHostHeadersAreRefused() {
    String[] host = new String[1];
    RecordingBackend backend = backend(host);

    RawHttp.Response response = send("GET / HTTP/1.1\r\nHost: " + host[0]
        + "\r\nHost: elsewhere.example.org\r\nConnection: close\r\n\r\n");

    assertEquals(400, response.status(), response.statusLine());
    assertTrue(response.body().contains("Host"), response.body());
    assertEquals(0, backend.received().size(), backend.received().toString());
  }

  @Test
  void http11RequestWithoutHostIsRefused() {
    RawHttp.Response response = send("GET / HTTP/1.1\r\nConnection: close\r\n\r\n");

    assertEquals(400, response.status(), response.statusLine());
    assertTrue(response.body().contains("Host"), response.body());
    assertEquals("text/plain; charset=utf-8", response.headers().get("content-type"));
  }

  @Test
  void emptyOrMalformedHostIsRefused() {
    String[] host = new String[1];
    RecordingBackend backend = backend(host);
    // The last one is "café" in UTF-8, as a client that skipped IDNA encoding sends it.
    String[] values = {"", "x:abc", host[0] + ":99999", "a b", "caf\u00c3\u00a9.ferry.local"};

    for (String value : values) {
      for (String version : new String[] {"HTTP/1.1", "HTTP/1.0"}) {
        RawHttp.Response response = send("GET / " + version + "\r\nHost: " + value
            + "\r\nConnection: close\r\n\r\n");

        assertEquals(400, response.status(), version + " Host '" + value + "': "
            + response.statusLine());
        assertTrue(response.body().contains("Host"), response.body());
      }
    }
    assertEquals(0, backend.received().size(), backend.received().toString());
  }

  @Test
  void controlAndNonAsciiBytesInTheRequestTargetAreRefused() {
    String[] host = new String[1];
    RecordingBackend backend = backend(host);

    for (char bad : new char[] {0x00, 0x01, 0x1b, 0x7f, 0x80, 0xc3, 0xff}) {
      RawHttp.Response response = send("GET /a" + bad + "b HTTP/1.1\r\nHost: " + host[0]
          + "\r\nConnection: close\r\n\r\n");

      assertEquals(400, response.status(), (int) bad + ": " + response.statusLine());
      assertTrue(response.body().contains("request target"), response.body());
    }
    assertEquals(0, backend.received().size(), backend.received().toString());
  }

  @Test
  void expectContinueForAnUnknownHostGetsTheErrorInsteadOfAGoAhead() throws IOException {
    try (RawHttp raw = new RawHttp(node.httpPort)) {
      raw.send("POST /upload HTTP/1.1\r\nHost: nobody-here.example.org\r\n"
          + "Content-Length: 5\r\nExpect: 100-continue\r\n\r\n");
      RawHttp.Response response = raw.read();

      assertEquals(404, response.status(), response.statusLine());
      assertEquals("close", response.headers().get("connection"));
      assertEquals(-1, raw.input().read(), "the connection stays open");
    }
  }

  @Test
  void expectContinueForARoutedHostGetsTheGoAheadThenTheAnswer() {
    String[] host = new String[1];
    RecordingBackend backend = backend(host);

    try (RawHttp raw = new RawHttp(node.httpPort)) {
      raw.send("POST /upload HTTP/1.1\r\nHost: " + host[0] + "\r\n"
          + "Content-Length: 5\r\nExpect: 100-continue\r\n\r\n");
      RawHttp.Response interim = raw.read();
      assertEquals(100, interim.status(), interim.statusLine());
      raw.send("hello");
      RawHttp.Response response = raw.read();

      assertEquals(200, response.status(), response.statusLine());
      assertTrue(backend.received().get(0).endsWith("\r\n\r\nhello"), backend.received().get(0));
    }
  }

  @Test
  void connectIsRefusedAndItsConnectionClosed() throws IOException {
    String[] host = new String[1];
    RecordingBackend backend = backend(host);

    try (RawHttp raw = new RawHttp(node.httpPort)) {
      raw.send("CONNECT " + host[0] + ":443 HTTP/1.1\r\nHost: " + host[0] + ":443\r\n\r\n"
          + "GET / HTTP/1.1\r\nHost: " + host[0] + "\r\n\r\n");
      RawHttp.Response response = raw.read();

      assertEquals(501, response.status(), response.statusLine());
      assertEquals(-1, raw.input().read(), "the connection stays open after CONNECT");
    }
    assertEquals(0, backend.received().size(), backend.received().toString());
  }

  @Test
  void aRequestPipelinedAfterARefusedOneNeverReachesABackend() throws IOException {
    String[] host = new String[1];
    RecordingBackend backend = backend(host);

    try (RawHttp raw = new RawHttp(node.httpPort)) {
      raw.send("GET / HTTP/1.1\r\nHost: " + host[0] + "\r\nHost: other.example\r\n\r\n"
          + "GET /smuggled HTTP/1.1\r\nHost: " + host[0] + "\r\n\r\n");
      RawHttp.Response response = raw.read();

      assertEquals(400, response.status(), response.statusLine());
      assertEquals(-1, raw.input().read(), "the connection stays open after a 400");
    }
    assertEquals(0, backend.received().size(), backend.received().toString());
  }

  @Test
  void anHttp10RequestWithATransferEncodingIsRefused() {
    String[] host = new String[1];
    RecordingBackend backend = backend(host);

    RawHttp.Response response = send("POST / HTTP/1.0\r\nHost: " + host[0]
        + "\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");

    assertEquals(400, response.status(), response.statusLine());
    assertEquals(0, backend.received().size(), backend.received().toString());
  }

  @Test
  void anAbsoluteTargetNamingAnotherHostIsRefused() {
    String[] host = new String[1];
    RecordingBackend backend = backend(host);

    RawHttp.Response response = send("GET http://other.example/a HTTP/1.1\r\nHost: " + host[0]
        + "\r\nConnection: close\r\n\r\n");

    assertEquals(400, response.status(), response.statusLine());
    assertTrue(response.body().contains("other.example"), response.body());
    assertEquals(0, backend.received().size(), backend.received().toString());
  }

  @Test
  void anAbsoluteTargetReachesTheBackendInOriginForm() {
    String[] host = new String[1];
    RecordingBackend backend = backend(host);

    RawHttp.Response response = send("GET http://" + host[0] + "/a/b?c=d HTTP/1.1\r\nHost: "
        + host[0] + "\r\nConnection: close\r\n\r\n");

    assertEquals(200, response.status(), response.statusLine());
    String received = backend.received().get(0);
    assertTrue(received.startsWith("GET /a/b?c=d HTTP/1.1\r\n"), received);
  }

  @Test
  void anAbsoluteTargetWithTheDefaultPortAgreesWithAHostWithout() {
    String[] host = new String[1];
    RecordingBackend backend = backend(host);

    RawHttp.Response response = send("GET http://" + host[0] + ":80/p HTTP/1.1\r\nHost: "
        + host[0] + "\r\nConnection: close\r\n\r\n");

    assertEquals(200, response.status(), response.statusLine());
    assertTrue(backend.received().get(0).startsWith("GET /p HTTP/1.1\r\n"),
        backend.received().get(0));
  }

  @Test
  void anAbsoluteTargetOfAnotherSchemeIsRefused() {
    String[] host = new String[1];
    RecordingBackend backend = backend(host);

    RawHttp.Response response = send("GET ftp://" + host[0] + "/p HTTP/1.1\r\nHost: "
        + host[0] + "\r\nConnection: close\r\n\r\n");

    assertEquals(400, response.status(), response.statusLine());
    assertTrue(response.body().contains("ftp"), response.body());
    assertEquals(0, backend.received().size(), backend.received().toString());
  }
}
