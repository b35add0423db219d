package dev.ferry.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.testing.Backends;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.LogCapture;
import dev.ferry.testing.OneNode;
import dev.ferry.testing.Ports;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServerOptions;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;

/**
 * Connections that clients or backends reset are part of a proxy's day: they are counted and
 * logged at debug level, never as warnings or errors in the operator's log.
 */
class AbortLoggingTest extends OneNode {

  /** A backend that answers every request on a kept-alive connection, then resets it. */
  private static int resettingBackend() {
    int port = Ports.free();
    Backends.await(vertx.createNetServer(new NetServerOptions().setSoLinger(0))
        .connectHandler(socket -> socket.handler(data -> {
          socket.write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
          vertx.setTimer(20, t -> socket.close());
        })).listen(port, "127.0.0.1"));
    return port;
  }

  /** A backend that answers with a body far larger than a client reads before leaving. */
  private static int bulkyBackend() {
    int port = Ports.free();
    Buffer body = Backends.bytes(4 * 1024 * 1024);
    Backends.await(vertx.createHttpServer().requestHandler(request -> request.response()
        .end(body)).listen(port, "127.0.0.1"));
    return port;
  }

  /** A backend that answers after a while. */
  private static int slowBackend() {
    int port = Ports.free();
    Backends.await(vertx.createHttpServer().requestHandler(request -> vertx.setTimer(300,
        t -> request.response().end("late"))).listen(port, "127.0.0.1"));
    return port;
  }

  private static void getThenLeave(String host) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), node.httpPort)) {
      socket.getOutputStream().write(("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
    }
  }

  private static void getThenReset(String host, int bytesToRead) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), node.httpPort)) {
      socket.getOutputStream().write(("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      InputStream in = socket.getInputStream();
      byte[] chunk = new byte[8192];
      int read = 0;
      while (read < bytesToRead) {
        int n = in.read(chunk);
        if (n < 0) {
          break;
        }
        read += n;
      }
      socket.setSoLinger(true, 0);
    }
  }

  private static long requestsCounted() {
    return admin.get("/proxy/stats").json().getJsonObject("counter").getJsonObject("global")
        .getLong("requests");
  }

  @Test
  void aClientLeavingWithinItsRequestHeadIsNotCountedAsA400() throws Exception {
    long before = requestsCounted();

    for (int i = 0; i < 3; i++) {
      try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), node.httpPort)) {
        socket.getOutputStream().write("GET /abc HTTP/1.1\r\nHost: x.ferry.local\r\n"
            .getBytes(StandardCharsets.US_ASCII));
        socket.shutdownOutput();
        assertEquals(-1, socket.getInputStream().read());
      }
    }
    // A request that is counted afterwards shows the counters caught up.
    RawHttp.roundTrip(node.httpPort, "GET / HTTP/1.1\r\nHost: nobody.ferry.local\r\n\r\n");
    Eventually.poll(AbortLoggingTest::requestsCounted, n -> n >= before + 1,
        "the last request counted");

    assertEquals(before + 1, requestsCounted());
  }

  @Test
  void resetsByClientsAndBackendsLogNothingAboveInfo() throws Exception {
    admin.putBackend("resets", "1", resettingBackend());
    admin.putBackend("bulky", "1", bulkyBackend());
    admin.putBackend("slow", "1", slowBackend());

    try (LogCapture log = new LogCapture("io.vertx", "io.netty", "dev.ferry")) {
      for (int i = 0; i < 5; i++) {
        RawHttp.Response response = RawHttp.roundTrip(node.httpPort,
            "GET / HTTP/1.1\r\nHost: resets.ferry.local\r\n\r\n");
        assertEquals(200, response.status(), response.statusLine());
        Thread.sleep(100);
      }
      for (int i = 0; i < 5; i++) {
        getThenReset("bulky.ferry.local", 64 * 1024);
        getThenLeave("slow.ferry.local");
      }
      Thread.sleep(800);

      List<String> loud = log.above(Level.INFO);
      assertEquals(List.of(), loud);
    }
  }
}
