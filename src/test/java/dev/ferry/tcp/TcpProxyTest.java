package dev.ferry.tcp;

import static dev.ferry.testing.Backends.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.Backends;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.OneNode;
import dev.ferry.testing.Ports;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TcpProxyTest extends OneNode {


  /** Registers a backend of a TCP upstream listening on {@code listen}. */
  private static void putTcpBackend(String upstream, String id, int port, int listen,
      JsonObject backendExtra) {
    admin.putBackend(upstream, id, port, new JsonObject().put("listen", ":" + listen),
        backendExtra);
  }

  private static int echoBackend() {
    int port = Ports.free();
    Backends.echo(vertx, port);
    return port;
  }

  private static JsonObject listenerStats(int listen) {
    JsonObject tcpd = admin.get("/proxy/stats").json().getJsonObject("tcpd");
    JsonObject listener = tcpd.getJsonObject(":" + listen);
    return listener == null ? new JsonObject() : listener;
  }

  private static void awaitServing(int listen) {
    Eventually.poll(() -> listenerStats(listen),
        l -> l.getBoolean("serving", false), "listener :" + listen + " serving");
  }

  private static Socket connect(int port) throws IOException {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    socket.setSoTimeout(15_000);
    return socket;
  }

  private static boolean refuses(int port) {
    try (Socket ignored = connect(port)) {
      return false;
    } catch (ConnectException e) {
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void assertEchoes(Socket socket, String text) throws IOException {
    byte[] sent = text.getBytes(StandardCharsets.UTF_8);
    socket.getOutputStream().write(sent);
    socket.getOutputStream().flush();
    assertArrayEquals(sent, socket.getInputStream().readNBytes(sent.length));
  }

  /** True once the peer has closed: the next read ends the stream or resets it. */
  private static boolean closedByPeer(Socket socket) throws IOException {
    try {
      return socket.getInputStream().read() < 0;
    } catch (SocketException e) {
      return true;
    }
  }

  @Test
  void aBackendThatSpeaksFirstIsHeardAndItsCloseReachesTheClient() throws IOException {
    int port = Ports.free();
    await(vertx.createNetServer()
        .connectHandler(socket -> socket.write("220 ready\r\n").onComplete(ar -> socket.end()))
        .listen(port, "127.0.0.1"));
    int listen = Ports.free();
    putTcpBackend("tcp-banner", "a", port, listen, new JsonObject());
    awaitServing(listen);

    try (Socket socket = connect(listen)) {
      assertArrayEquals("220 ready\r\n".getBytes(StandardCharsets.US_ASCII),
          socket.getInputStream().readNBytes(11));
      assertTrue(closedByPeer(socket));
    }
  }

  @Test
  void bytesTheClientSendsAtOnceAfterConnectingAllArrive() throws IOException {
    int listen = Ports.free();
    putTcpBackend("tcp-early", "a", echoBackend(), listen, new JsonObject());
    awaitServing(listen);

    for (int i = 0; i < 20; i++) {
      try (Socket socket = new Socket()) {
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress("127.0.0.1", listen), 5000);
        socket.setSoTimeout(15_000);
        assertEchoes(socket, "first words " + i);
      }
    }
  }

  @Test
  void kilobytesRoundTripUnchanged() throws IOException {
    int listen = Ports.free();
    putTcpBackend("tcp-kilobytes", "a", echoBackend(), listen, new JsonObject());
    awaitServing(listen);

    byte[] data = Backends.bytes(24 * 1024).getBytes();
    try (Socket socket = connect(listen)) {
      socket.getOutputStream().write(data);
      assertArrayEquals(data, socket.getInputStream().readNBytes(data.length));
    }
  }

  @Test
  void megabytesRoundTripUnchangedWhileTheClientWritesAndReadsAtOnce() throws Exception {
    int listen = Ports.free();
    putTcpBackend("tcp-megabytes", "a", echoBackend(), listen, new JsonObject());
    awaitServing(listen);

    byte[] data = Backends.bytes(4 * 1024 * 1024).getBytes();
    try (Socket socket = connect(listen)) {
      CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
        try {
          socket.getOutputStream().write(data);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
      byte[] received = socket.getInputStream().readNBytes(data.length);
      writing.get(30, TimeUnit.SECONDS);
      assertArrayEquals(data, received);
    }
  }

  @Test
  void aClientThatReadsOnlyAfterWritingEverythingStillGetsEveryByte() throws Exception {
    int listen = Ports.free();
    putTcpBackend("tcp-late-reader", "a", echoBackend(), listen, new JsonObject());
    awaitServing(listen);

    byte[] data = Backends.bytes(3 * 1024 * 1024 + 17).getBytes();
    try (Socket socket = connect(listen)) {
      // The echo backend buffers what it cannot send, so the writes finish while the proxy
      // holds back the answer until the client starts reading.
      CompletableFuture.runAsync(() -> {
        try {
          socket.getOutputStream().write(data);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }).get(30, TimeUnit.SECONDS);
      assertArrayEquals(data, socket.getInputStream().readNBytes(data.length));
    }
  }

  @Test
  void listenerOpensWhenTheUpstreamAppears() throws IOException {
    int listen = Ports.free();
    assertTrue(refuses(listen), "nothing listens on :" + listen + " before the upstream");

    putTcpBackend("tcp-appears", "a", echoBackend(), listen, new JsonObject());

    Eventually.poll(() -> !refuses(listen), open -> open, "listener :" + listen + " open");
    try (Socket socket = connect(listen)) {
      assertEchoes(socket, "hello through a new listener");
    }
  }

  @Test
  void listenerClosesWithItsClientsWhenTheLastBackendIsDeleted() throws IOException {
    int listen = Ports.free();
    putTcpBackend("tcp-last-gone", "a", echoBackend(), listen, new JsonObject());
    putTcpBackend("tcp-last-gone", "b", echoBackend(), listen, new JsonObject());
    awaitServing(listen);

    try (Socket first = connect(listen); Socket second = connect(listen)) {
      assertEchoes(first, "first client");
      assertEchoes(second, "second client");

      admin.deleteBackend("tcp-last-gone", "a");
      assertEchoes(first, "one backend is left, the listener stays");

      admin.deleteBackend("tcp-last-gone", "b");
      assertTrue(closedByPeer(first), "the first client is closed");
      assertTrue(closedByPeer(second), "the second client is closed");
    }
    Eventually.poll(() -> refuses(listen), refused -> refused,
        "new connections to :" + listen + " refused");
  }

  @Test
  void aBackendThatRefusesIsRetriedOnAnother() throws IOException {
    int listen = Ports.free();
    int nobody = Ports.free();
    JsonObject settings = new JsonObject().put("listen", ":" + listen).put("sticky", false);
    admin.putBackend("tcp-refused", "down", nobody, settings,
        new JsonObject().put("weihgt", 1000));
    admin.putBackend("tcp-refused", "up", echoBackend(), settings,
        new JsonObject().put("weihgt", 1));
    awaitServing(listen);

    for (int i = 0; i < 6; i++) {
      try (Socket socket = connect(listen)) {
        assertEchoes(socket, "attempt " + i);
      }
    }
  }

  @Test
  void statsShowTheListenerServingAndItsActiveClients() throws IOException {
    int listen = Ports.free();
    putTcpBackend("tcp-stats", "a", echoBackend(), listen, new JsonObject());
    awaitServing(listen);

    JsonObject listener;
    try (Socket socket = connect(listen)) {
      assertEchoes(socket, "counted");
      listener = Eventually.poll(() -> listenerStats(listen),
          l -> l.getLong("active_clients", 0L) == 1, "one active client");
    }
    assertEquals(":" + listen, listener.getString("listen"));
    assertTrue(listener.getBoolean("serving"));
    assertTrue(listener.getString("uptime").matches("(\\d+h)?(\\d+m)?\\d+(\\.\\d+)?s"),
        listener.encode());

    Eventually.poll(() -> listenerStats(listen),
        l -> l.getLong("active_clients", -1L) == 0, "no active client after it closed");
  }
}
