package dev.ferry.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.OneNode;
import dev.ferry.testing.Ports;
import dev.ferry.testing.RecordingBackend;
import java.util.Locale;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What the proxy does to headers on their way through: hop-by-hop headers stay on their hop,
 * dates stay valid, and the proxy's own answers say what they are.
 */
class ProxiedHeadersTest extends OneNode {

  /** RFC 9110's IMF-fixdate: a two-digit day, always. */
  private static final Pattern IMF_FIXDATE = Pattern.compile(
      "(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \\d{2} "
          + "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \\d{4} \\d{2}:\\d{2}:\\d{2} GMT");

  private static int upstreams;

  /** A fresh upstream whose one backend answers these bytes; answers its host name. */
  private static String upstream(RecordingBackend[] backend, String answer) {
    int port = Ports.free();
    backend[0] = answer == null ? null : new RecordingBackend(vertx, port, answer);
    String name = "headers-" + (++upstreams);
    admin.putBackend(name, "1", port);
    return name + ".ferry.local";
  }

  private static RawHttp.Response send(String request) {
    return RawHttp.roundTrip(node.httpPort, request);
  }

  @Test
  void headersTheClientNamesInConnectionDoNotReachTheBackend() {
    RecordingBackend[] backend = new RecordingBackend[1];
    String host = upstream(backend, "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");

    RawHttp.Response response = send("GET / HTTP/1.1\r\nHost: " + host + "\r\n"
        + "Connection: keep-alive, X-Secret,x-other\r\nX-Secret: leak\r\nX-Other: leak\r\n"
        + "X-Kept: yes\r\n\r\n");

    assertEquals(200, response.status(), response.statusLine());
    String received = backend[0].received().get(0).toLowerCase(Locale.ROOT);
    assertFalse(received.contains("x-secret"), received);
    assertFalse(received.contains("x-other"), received);
    assertTrue(received.contains("x-kept: yes"), received);
  }

  @Test
  void namingTheForwardedForHeaderDoesNotRemoveTheClientAddress() {
    RecordingBackend[] backend = new RecordingBackend[1];
    String host = upstream(backend, "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");

    send("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close, X-Forwarded-For\r\n"
        + "X-Forwarded-For: 10.9.9.9\r\n\r\n");

    String received = backend[0].received().get(0).toLowerCase(Locale.ROOT);
    assertTrue(received.contains("\r\nx-forwarded-for: 127.0.0.1\r\n"), received);
  }

  @Test
  void everyForwardedForLineTheClientSentIsKept() {
    RecordingBackend[] backend = new RecordingBackend[1];
    String host = upstream(backend, "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");

    send("GET / HTTP/1.1\r\nHost: " + host + "\r\nX-Forwarded-For: 10.1.1.1\r\n"
        + "X-Forwarded-For: 10.2.2.2\r\nConnection: close\r\n\r\n");

    String received = backend[0].received().get(0).toLowerCase(Locale.ROOT);
    assertTrue(received.contains("\r\nx-forwarded-for: 10.1.1.1, 10.2.2.2, 127.0.0.1\r\n"),
        received);
  }

  @Test
  void headersTheBackendNamesInConnectionDoNotReachTheClient() {
    RecordingBackend[] backend = new RecordingBackend[1];
    String host = upstream(backend, "HTTP/1.1 200 OK\r\nConnection: close, X-Internal\r\n"
        + "X-Internal: secret\r\nKeep-Alive: timeout=5\r\nX-Kept: yes\r\n"
        + "content-length: 2\r\n\r\nok");

    RawHttp.Response response = send("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n");

    assertEquals(200, response.status(), response.statusLine());
    assertNull(response.headers().get("x-internal"), response.headers().toString());
    assertNull(response.headers().get("keep-alive"), response.headers().toString());
    assertNull(response.headers().get("connection"), response.headers().toString());
    assertEquals("yes", response.headers().get("x-kept"));
    assertEquals("ok", response.body());
  }

  @Test
  void theBackendsDateReachesTheClientUnchanged() {
    RecordingBackend[] backend = new RecordingBackend[1];
    String host = upstream(backend, "HTTP/1.1 200 OK\r\nDate: Fri, 04 Dec 2026 14:13:47 GMT\r\n"
        + "content-length: 2\r\n\r\nok");

    RawHttp.Response response = send("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n");

    assertEquals("Fri, 04 Dec 2026 14:13:47 GMT", response.headers().get("date"));
  }

  @Test
  void theProxysOwnErrorAnswerIsPlainTextWithAValidDate() {
    String host = upstream(new RecordingBackend[1], null);

    RawHttp.Response response = send("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n");

    assertEquals(502, response.status(), response.statusLine());
    assertEquals("text/plain; charset=utf-8", response.headers().get("content-type"));
    String date = response.headers().get("date");
    assertTrue(IMF_FIXDATE.matcher(date).matches(), date);
    assertTrue(response.body().contains("refused"), response.body());
  }
}
