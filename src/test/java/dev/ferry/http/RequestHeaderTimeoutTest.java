package dev.ferry.http;

import static dev.ferry.testing.Backends.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.AdminClient;
import dev.ferry.testing.Backends;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Ports;
import dev.ferry.testing.RawHttp;
import dev.ferry.testing.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RequestHeaderTimeoutTest {

  private static final String HOST = "header-wait.ferry.local";

  private static TestNode node;
  private static AdminClient admin;
  private static Vertx vertx;

  @BeforeAll
  static void start() {
    node = TestNode.start(new JsonObject().put("requestHeaderTimeout", "2s"));
    admin = node.admin();
    vertx = Backends.vertx();
    int port = Ports.free();
    Backends.named(vertx, "1-header-wait", port);
    admin.putBackend("header-wait", "1-header-wait", port);
  }

  @AfterAll
  static void stop() {
    await(vertx.close());
    node.close();
  }

  private static Socket connect() throws IOException {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", node.httpPort), 5000);
    socket.setSoTimeout(15_000);
    return socket;
  }

  /** What the proxy sent before closing, read until the close. */
  private static String readToClose(Socket socket) throws IOException {
    return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
  }

  private static long clientConnections() {
    return admin.get("/proxy/stats").json().getJsonObject("counter").getJsonObject("global")
        .getLong("client_connections");
  }

  private static CompletableFuture<String> closing(Socket socket) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return readToClose(socket);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  /** Waits for the proxy's answer for at most a second, which paces the trickle too. */
  private static void awaitAtMostASecond(CompletableFuture<String> answer) throws Exception {
    try {
      answer.get(1, TimeUnit.SECONDS);
    } catch (TimeoutException stillWaiting) {
      // The proxy is still waiting for the header: send the next byte.
    }
  }

  private static void assertServedPromptly() {
    long start = System.nanoTime();
    RawHttp.Reply reply = RawHttp.get("127.0.0.1", node.httpPort, HOST, "/");
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertEquals(200, reply.status(), reply.body());
    assertTrue(tookMillis < 1000, "a prompt client waited " + tookMillis + " ms");
  }

  @Test
  void clientTricklingItsHeaderIsCutOffWhileAnotherIsServedPromptly() throws Exception {
    byte[] header = ("GET / HTTP/1.1\r\nHost: " + HOST + "\r\nX-Slow: " + "a".repeat(40)
        + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
    try (Socket slow = connect()) {
      long connected = System.nanoTime();
      CompletableFuture<String> answer = closing(slow);
      OutputStream out = slow.getOutputStream();
      for (int i = 0; i < header.length && !answer.isDone(); i++) {
        try {
          out.write(header[i]);
          out.flush();
        } catch (IOException closedByProxy) {
          break;
        }
        assertServedPromptly();
        awaitAtMostASecond(answer);
      }

      String text = answer.get(10, TimeUnit.SECONDS);
      long cutOffMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - connected);
      assertTrue(text.startsWith("HTTP/1.1 408 "), text);
      assertTrue(cutOffMillis >= 1900 && cutOffMillis < 4000,
          "cut off after " + cutOffMillis + " ms");
    }
  }

  @Test
  void clientSendingNothingIsCutOffAfterTheHeaderTimeout() throws Exception {
    try (Socket silent = connect()) {
      long connected = System.nanoTime();

      String text = closing(silent).get(10, TimeUnit.SECONDS);

      long cutOffMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - connected);
      assertTrue(text.startsWith("HTTP/1.1 408 "), text);
      assertTrue(cutOffMillis >= 1900 && cutOffMillis < 4000,
          "cut off after " + cutOffMillis + " ms");
    }
  }

  @Test
  void keptAliveConnectionIsNotCutOffByTheHeaderTimeout() throws Exception {
    try (Socket kept = connect()) {
      OutputStream out = kept.getOutputStream();
      InputStream in = kept.getInputStream();
      String request = "GET / HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n";
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      assertTrue(readHead(in).startsWith("HTTP/1.1 200 "));
      long answered = System.nanoTime();

      // Past the header timeout of the connection's first request, the idle timeout rules.
      kept.setSoTimeout(3000);
      assertEquals(-1, readOrTimeout(in));
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();

      assertTrue(readHead(in).startsWith("HTTP/1.1 200 "));
      assertTrue(System.nanoTime() - answered > TimeUnit.SECONDS.toNanos(2));
    }
  }

  @Test
  void twoHundredSlowConnectionsDoNotKeepAnotherClientWaiting() throws Exception {
    long before = clientConnections();
    List<Socket> slow = new ArrayList<>();
    try {
      for (int i = 0; i < 200; i++) {
        Socket socket = connect();
        slow.add(socket);
        if (i % 2 == 0) {
          socket.getOutputStream().write(("GET / HTTP/1.1\r\nHost: " + HOST + "\r\nX-")
              .getBytes(StandardCharsets.ISO_8859_1));
        }
      }
      Eventually.poll(Duration.ofSeconds(5), RequestHeaderTimeoutTest::clientConnections,
          open -> open >= before + 200, "200 slow connections accepted");

      assertServedPromptly();
    } finally {
      for (Socket socket : slow) {
        socket.close();
      }
    }
  }

  /** The status line and headers of one response whose body is empty or read later. */
  private static String readHead(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed after " + head);
      }
      head.append((char) b);
    }
    int length = Integer.parseInt(head.toString().replaceAll(
        "(?is).*content-length: *(\\d+).*", "$1"));
    in.readNBytes(length);
    return head.toString();
  }

  /** -1 when nothing arrives before the socket's read timeout, else the byte or close. */
  private static int readOrTimeout(InputStream in) throws IOException {
    try {
      int b = in.read();
      return b < 0 ? -2 : b;
    } catch (java.net.SocketTimeoutException quiet) {
      return -1;
    }
  }
}
