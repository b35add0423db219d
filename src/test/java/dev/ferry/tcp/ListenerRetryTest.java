package dev.ferry.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.Backends;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Ports;
import dev.ferry.testing.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A listener of an upstream that a node cannot open, because another process holds its port,
 * shows as not serving with the reason, and opens by itself once the port is free.
 */
class ListenerRetryTest {

  private static Vertx vertx;
  private static int echo;

  @TempDir
  Path dir;

  @BeforeAll
  static void startEcho() {
    vertx = Backends.vertx();
    echo = Ports.free();
    Backends.echo(vertx, echo);
  }

  @AfterAll
  static void stopEcho() {
    vertx.close();
  }

  @Test
  void listenerWhosePortWasTakenOpensOnceItIsFree() throws Exception {
    Path state = dir.resolve("state.json");
    JsonObject settings = new JsonObject().put("stateFile", state.toString());
    int port = Ports.free();
    try (TestNode first = TestNode.start(settings)) {
      first.admin().putBackend("held", "1", echo,
          new JsonObject().put("listen", ":" + port), new JsonObject());
      Eventually.until(() -> fileMentions(state, ":" + port), 10, "the state file is written");
    }

    ServerSocket holder = new ServerSocket();
    holder.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    try (TestNode second = TestNode.start(settings)) {
      JsonObject listener = Eventually.poll(Duration.ofSeconds(10),
          () -> tcpd(second).getJsonObject(":" + port),
          l -> l != null && l.containsKey("error"), "the listener shows why it is not open");
      assertFalse(listener.getBoolean("serving"));
      assertTrue(listener.getString("error").contains("in use"), listener.encode());

      holder.close();

      Eventually.poll(Duration.ofSeconds(15), () -> tcpd(second).getJsonObject(":" + port),
          l -> l != null && l.getBoolean("serving"), "the listener opens by itself");
      assertEquals("ping\n", roundTrip(port, "ping\n"));
    } finally {
      holder.close();
    }
  }

  private static JsonObject tcpd(TestNode node) {
    return node.admin().get("/proxy/stats").json().getJsonObject("tcpd");
  }

  private static boolean fileMentions(Path file, String text) {
    try {
      return Files.exists(file) && Files.readString(file).contains(text);
    } catch (java.io.IOException e) {
      return false;
    }
  }

  private static String roundTrip(int port, String text) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(5000);
      socket.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
      InputStream in = socket.getInputStream();
      byte[] answer = new byte[text.length()];
      int read = 0;
      while (read < answer.length) {
        int n = in.read(answer, read, answer.length - read);
        if (n < 0) {
          break;
        }
        read += n;
      }
      return new String(answer, 0, read, StandardCharsets.UTF_8);
    }
  }
}
