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
    String head = text.substring(0, end).toLowerCase(Locale.ROOT);
    String body = text.substring(end + 4);
    if (head.contains("\r\ntransfer-encoding: chunked")) {
      return body.contains("0\r\n\r\n");
    }
    int at = head.indexOf("\r\ncontent-length: ");
    if (at < 0) {
      return true;
    }
    int lineEnd = head.indexOf("\r\n", at + 2);
    String value = head.substring(at + 18, lineEnd < 0 ? head.length() : lineEnd).trim();
    return body.length() >= Integer.parseInt(value);
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
