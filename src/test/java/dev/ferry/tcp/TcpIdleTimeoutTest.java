package dev.ferry.tcp;

import static dev.ferry.testing.Backends.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.AdminClient;
import dev.ferry.testing.Backends;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Ports;
import dev.ferry.testing.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TcpIdleTimeoutTest {

  private static TestNode node;
  private static AdminClient admin;
  private static Vertx vertx;
  private static int listen;

  @BeforeAll
  static void start() {
    node = TestNode.start(new JsonObject().put("tcpIdleTimeout", "1s"));
    admin = node.admin();
    vertx = Backends.vertx();
    int echo = Ports.free();
    Backends.echo(vertx, echo);
    listen = Ports.free();
    admin.putBackend("quiet-pipe", "1-quiet-pipe", echo,
        new JsonObject().put("listen", ":" + listen), new JsonObject());
    Eventually.poll(() -> admin.get("/proxy/stats").json().getJsonObject("tcpd")
        .getJsonObject(":" + listen, new JsonObject()), l -> l.getBoolean("serving", false),
        "listener :" + listen + " serving");
  }

  @AfterAll
  static void stop() {
    node.close();
    await(vertx.close());
  }

  private static Socket connect() throws IOException {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", listen), 5000);
    socket.setSoTimeout(10_000);
    return socket;
  }

  private static void echoes(Socket socket, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    OutputStream out = socket.getOutputStream();
    out.write(bytes);
    out.flush();
    assertArrayEquals(bytes, socket.getInputStream().readNBytes(bytes.length));
  }

  @Test
  void pipeWithNoBytesEitherWayIsClosedAfterTheIdleTimeout() throws IOException {
    try (Socket socket = connect()) {
      echoes(socket, "hello");
      long quietSince = System.nanoTime();

      InputStream in = socket.getInputStream();
      assertEquals(-1, in.read());

      long idleMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - quietSince);
      assertTrue(idleMillis >= 900 && idleMillis < 3000, "closed after " + idleMillis + " ms");
    }
  }

  @Test
  void pipeCarryingBytesStaysOpenPastTheIdleTimeout() throws IOException {
    try (Socket socket = connect()) {
      long opened = System.nanoTime();
      for (int i = 0; System.nanoTime() - opened < TimeUnit.MILLISECONDS.toNanos(2500); i++) {
        echoes(socket, "ping " + i);
        pause(300);
      }
    }
  }

  /** Paces a busy client; no test waits on it for an event. */
  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
