package dev.ferry.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.OneNode;
import dev.ferry.testing.Ports;
import dev.ferry.testing.RecordingBackend;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Requests whose framing is ambiguous are refused, or re-framed so that the backend receives
 * exactly one unambiguous message; leftover bytes never reach a backend as a request of their
 * own. The backend records the exact bytes it gets.
 */
class FramingTest extends OneNode {

  private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.1 \\d{3} ");

  private static int upstreams;

  /** A fresh upstream in front of a fresh recording backend; answers its host name. */
  private static RecordingBackend backend(String[] host) {
    int port = Ports.free();
    RecordingBackend backend = new RecordingBackend(vertx, port);
    String name = "framing-" + (++upstreams);
    admin.putBackend(name, "1", port);
    host[0] = name + ".ferry.local";
    return backend;
  }

  /** Sends raw bytes and answers everything the proxy sent back until it closed or paused. */
  private static String exchange(String raw) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", node.httpPort)) {
      socket.setSoTimeout(3000);
      socket.getOutputStream().write(raw.getBytes(StandardCharsets.ISO_8859_1));
      socket.getOutputStream().flush();
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      InputStream in = socket.getInputStream();
      byte[] chunk = new byte[4096];
      try {
        for (int n; (n = in.read(chunk)) >= 0; ) {
          answer.write(chunk, 0, n);
        }
      } catch (SocketTimeoutException | java.net.SocketException ended) {
        // Kept alive or reset: what arrived so far is the answer.
      }
      return answer.toString(StandardCharsets.ISO_8859_1);
    }
  }

  private static int status(String answer) {
    return answer.startsWith("HTTP/1.1 ") ? Integer.parseInt(answer.substring(9, 12)) : -1;
  }

  /** How many responses the answer holds; a status line may follow a body directly. */
  private static long statuses(String answer) {
    return STATUS_LINE.matcher(answer).results().count();
  }

  @Test
  void contentLengthBesideChunkedIsRefusedAndTheConnectionClosed() throws IOException {
    String[] host = new String[1];
    RecordingBackend backend = backend(host);

    String answer = exchange("POST /a HTTP/1.1\r\nHost: " + host[0] + "\r\n"
        + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "5\r\nhello\r\n0\r\n\r\n");

    assertEquals(400, status(answer), answer);
    assertTrue(answer.toLowerCase().contains("connection: close"), answer);
    assertTrue(answer.toLowerCase().contains("transfer-encoding"), answer);
    assertEquals(1, statuses(answer), answer);
    assertEquals(0, backend.received().size(), backend.received().toString());
  }

  @Test
  void bytesAfterAChunkedBodyAreNeverSmuggledInsideIt() throws IOException {
    String[] host = new String[1];
    RecordingBackend backend = backend(host);

    String answer = exchange("POST /a HTTP/1.1\r\nHost: " + host[0] + "\r\n"
        + "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "0\r\n\r\nGET /hidden HTTP/1.1\r\nHost: " + host[0] + "\r\nConnection: close\r\n\r\n");

    for (String message : backend.received()) {
      assertEquals(1, message.lines()
          .filter(l -> l.matches("^[A-Z]+ \\S+ HTTP/1\\.1$")).count(), message);
      assertTrue(RecordingBackend.endsCleanly(message), message);
    }
    // Either each answer is a forwarded request's, or Ferry refused the message itself, once,
    // and nothing after it was read.
    long refusals = status(answer) == 400 ? 1 : 0;
    assertEquals(statuses(answer), backend.requestLines() + refusals, answer);
  }

  @Test
  void twoDifferentContentLengthsAreRefused() throws IOException {
    String[] host = new String[1];
    RecordingBackend backend = backend(host);

    String answer = exchange("POST /a HTTP/1.1\r\nHost: " + host[0] + "\r\n"
        + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!");

    assertEquals(400, status(answer), answer);
    assertTrue(answer.toLowerCase().contains("\r\ndate: "), answer);
    assertTrue(answer.contains("malformed request: "), answer);
    assertEquals(0, backend.received().size(), backend.received().toString());
  }

  @Test
  void aRefusalQuotesNoControlBytesOfTheRequest() throws IOException {
    String[] host = new String[1];
    RecordingBackend backend = backend(host);

    String answer = exchange("GET /a HTTP/1.1\r\nHost: " + host[0] + "\r\n"
        + "Bad\u0000Na\u0007me: x\r\n\r\n");

    assertEquals(400, status(answer), answer);
    String body = answer.substring(answer.indexOf("\r\n\r\n") + 4);
    assertTrue(body.chars().allMatch(c -> c == '\n' || (c >= 0x20 && c < 0x7f)), body);
    assertEquals(0, backend.received().size(), backend.received().toString());
  }

  @Test
  void whitespaceBeforeAHeaderColonIsRefused() throws IOException {
    String[] host = new String[1];
    RecordingBackend backend = backend(host);

    String answer = exchange("POST /a HTTP/1.1\r\nHost: " + host[0] + "\r\n"
        + "Content-Length : 5\r\n\r\nhello");

    assertEquals(400, status(answer), answer);
    assertEquals(0, backend.received().size(), backend.received().toString());
  }

  @Test
  void unknownTransferCodingIsRefused() throws IOException {
    String[] host = new String[1];
    RecordingBackend backend = backend(host);

    for (String coding : new String[] {"gzip", "xchunked", "chunked, gzip"}) {
      String answer = exchange("POST /a HTTP/1.1\r\nHost: " + host[0] + "\r\n"
          + "Transfer-Encoding: " + coding + "\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
      int status = status(answer);
      assertTrue(status == 400 || status == 501, coding + ": " + answer);
    }
    assertEquals(0, backend.received().size(), backend.received().toString());
  }

  @Test
  void badChunkSizeNeverReachesTheBackendAsAWholeMessage() throws IOException {
    String[] host = new String[1];
    RecordingBackend backend = backend(host);

    String answer = exchange("POST /a HTTP/1.1\r\nHost: " + host[0] + "\r\n"
        + "Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n");

    assertTrue(status(answer) == 400 || answer.isEmpty(), answer);
    for (String message : backend.received()) {
      assertFalse(message.contains("hello"), message);
    }
  }
}
