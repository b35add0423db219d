package dev.ferry.testing;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A backend that keeps the exact bytes of every connection it accepts. It answers (200 unless
 * told otherwise) and closes once it has one whole request (headers, then the body by
 * Content-Length or chunked), so each connection carries one message and anything smuggled
 * after it stays visible.
 */
public final class RecordingBackend {

  private static final String OK =
      "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok";

  private final List<Buffer> connections = new CopyOnWriteArrayList<>();
  private final NetServer server;
  private final String answer;

  public RecordingBackend(Vertx vertx, int port) {
    this(vertx, port, OK);
  }

  /** A backend that answers each request with these exact bytes, then closes. */
  public RecordingBackend(Vertx vertx, int port, String answer) {
    this.answer = answer;
    server = vertx.createNetServer().connectHandler(this::accept);
    Backends.await(server.listen(port, "127.0.0.1"));
  }

  private void accept(NetSocket socket) {
    Buffer received = Buffer.buffer();
    connections.add(received);
    boolean[] answered = new boolean[1];
    socket.handler(data -> {
      received.appendBuffer(data);
      if (!answered[0] && complete(received.toString(StandardCharsets.ISO_8859_1))) {
        answered[0] = true;
        socket.write(answer).onComplete(ar -> socket.close());
      }
    });
  }

  /** Whether the text holds one whole request. */
  static boolean complete(String text) {
    int end = text.indexOf("\r\n\r\n");
    if (end < 0) {
      return false;
    }
    String body = text.substring(end + 4);
    long framed = framedLength(text.substring(0, end), body);
    return framed >= 0 && body.length() >= framed;
  }

  /** Whether one whole message ends exactly where its framing says: no byte after it. */
  public static boolean endsCleanly(String message) {
    int end = message.indexOf("\r\n\r\n");
    String body = message.substring(end + 4);
    return framedLength(message.substring(0, end), body) == body.length();
  }

  /**
   * The body length the head announces: up to the last chunk when chunked, Content-Length,
   * else none; -1 while the last chunk has not come.
   */
  private static long framedLength(String head, String body) {
    String lower = head.toLowerCase(Locale.ROOT);
    if (lower.contains("\r\ntransfer-encoding: chunked")) {
      int last = body.indexOf("0\r\n\r\n");
      return last < 0 ? -1 : last + 5;
    }
    int at = lower.indexOf("\r\ncontent-length: ");
    if (at < 0) {
      return 0;
    }
    int lineEnd = lower.indexOf("\r\n", at + 2);
    return Long.parseLong(lower.substring(at + 18, lineEnd < 0 ? lower.length() : lineEnd).trim());
  }

  /** What each connection received, in the order they were accepted. */
  public List<String> received() {
    return connections.stream().map(b -> b.toString(StandardCharsets.ISO_8859_1)).toList();
  }

  /** How many request lines all connections carried together. */
  public long requestLines() {
    return received().stream()
        .flatMap(text -> text.lines())
        .filter(line -> line.matches("^[A-Z]+ \\S+ HTTP/1\\.[01]$"))
        .count();
  }
}
