package dev.ferry.logging;

import static dev.ferry.testing.Backends.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.Backends;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Ports;
import dev.ferry.testing.ProxyClient;
import dev.ferry.testing.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The access log of a real node: one line per HTTP request and per TCP connection. */
class AccessLogTest {

  private static Vertx vertx;
  private static int httpBackend;
  private static int echoBackend;

  @TempDir
  Path dir;

  @BeforeAll
  static void startBackends() {
    vertx = Vertx.vertx();
    httpBackend = Ports.free();
    echoBackend = Ports.free();
    Backends.named(vertx, "web", httpBackend);
    Backends.echo(vertx, echoBackend);
  }

  @AfterAll
  static void stopBackends() {
    await(vertx.close());
  }

  @Test
  void textLinesNameClientUpstreamBackendRequestStatusBytesAndDuration() {
    Path file = dir.resolve("access.log");
    try (TestNode node = TestNode.start(new JsonObject().put("accessLog", file.toString()))) {
      node.admin().putBackend("web", "1-web", httpBackend);
      try (ProxyClient client = new ProxyClient(vertx, "127.0.0.7", node.httpPort)) {
        assertEquals(200, client.send(HttpMethod.POST, "web.ferry.local", "/a/b?c=d",
            Backends.bytes(300)).status());
        assertEquals(404, client.get("nowhere.example.com").status());
      }

      // Lines are written as exchanges finish, which need not be the order they started in.
      List<String> lines = lines(file, 2).stream()
          .sorted(Comparator.comparing(line -> line.contains(" POST ") ? 0 : 1)).toList();
      String[] f = lines.get(0).split(" ");
      assertEquals(10, f.length, lines.get(0));
      Instant.parse(f[0]);
      assertEquals("127.0.0.7", f[1]);
      assertEquals("web", f[2]);
      assertEquals("1-web", f[3]);
      assertEquals("POST", f[4]);
      assertEquals("/a/b?c=d", f[5]);
      assertEquals("200", f[6]);
      assertEquals("300", f[7]);
      assertTrue(Long.parseLong(f[8]) > 0, lines.get(0));
      assertTrue(f[9].matches("\\d+ms"), lines.get(0));
      assertTrue(lines.get(1).matches(
          "\\S+ 127\\.0\\.0\\.7 - - GET / 404 0 0 \\d+ms"), lines.get(1));
    }
  }

  @Test
  void jsonLinesAlsoRecordTcpConnections() throws IOException {
    Path file = dir.resolve("access.json");
    int listen = Ports.free();
    try (TestNode node = TestNode.start(new JsonObject().put("accessLog", file.toString())
        .put("accessLogFormat", "json"))) {
      node.admin().putBackend("web", "1", httpBackend);
      node.admin().putBackend("echo", "1-echo", echoBackend,
          new JsonObject().put("listen", ":" + listen), new JsonObject().put("scheme", ""));
      try (ProxyClient client = new ProxyClient(vertx, "127.0.0.1", node.httpPort)) {
        assertEquals(200, client.get("web.ferry.local").status());
      }
      echoThrough(listen, "hello\n");

      List<String> lines = lines(file, 2);
      JsonObject http = new JsonObject(lines.get(0));
      Instant.parse(http.getString("time"));
      assertEquals("127.0.0.1", http.getString("client"));
      assertEquals("web", http.getString("upstream"));
      assertEquals("1", http.getString("backend"));
      assertEquals("GET", http.getString("method"));
      assertEquals("/", http.getString("path"));
      assertEquals(200, http.getInteger("status"));
      assertEquals(0, http.getLong("bytes_in"));
      assertTrue(http.getLong("bytes_out") > 0);
      assertTrue(http.getLong("duration_ms") >= 0);

      JsonObject tcp = new JsonObject(lines.get(1));
      assertEquals("echo", tcp.getString("upstream"));
      assertEquals("1-echo", tcp.getString("backend"));
      assertEquals("TCP", tcp.getString("method"));
      assertEquals(":" + listen, tcp.getString("path"));
      assertNull(tcp.getValue("status"));
      assertEquals(6, tcp.getLong("bytes_in"));
      assertEquals(6, tcp.getLong("bytes_out"));
    }
  }

  @Test
  void offByDefault() {
    try (TestNode node = TestNode.start()) {
      assertFalse(node.node.accessLog().on());
    }
  }

  @Test
  void textKeepsOneEntryOnOneLine() {
    AccessEntry entry = new AccessEntry(0, "::1", "web", null, "GET", "/a b\nc", 0, 1, 2, 3);

    assertEquals("1970-01-01T00:00:00Z ::1 web - GET /a%20b%0ac - 1 2 3ms", entry.toText());
  }

  private static void echoThrough(int port, String text) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(text.getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] back = in.readNBytes(text.length());
      assertEquals(text, new String(back, StandardCharsets.UTF_8));
    }
  }

  private static List<String> lines(Path file, int count) {
    return Eventually.poll(() -> read(file), l -> l.size() >= count, count + " lines in "
        + file);
  }

  private static List<String> read(Path file) {
    try {
      return Files.exists(file) ? Files.readAllLines(file) : List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
