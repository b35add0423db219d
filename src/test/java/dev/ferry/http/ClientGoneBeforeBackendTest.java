package dev.ferry.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.testing.OneNode;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A client that leaves while its backend is still accepting the connection: the backend, once
 * it accepts, is not counted as serving a client that is gone.
 */
class ClientGoneBeforeBackendTest extends OneNode {

  @Test
  void backendThatAcceptsAfterTheClientLeftIsNotCountedActive() throws Exception {
    List<Socket> queued = new ArrayList<>();
    try (ServerSocket slow = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Assumptions.assumeTrue(fillAcceptQueue(slow, queued),
          "this system answers connections to a full accept queue");
      admin.putBackend("late-accept", "1", slow.getLocalPort());

      try (Socket client = new Socket("127.0.0.1", node.httpPort)) {
        client.getOutputStream().write(("GET / HTTP/1.1\r\nHost: late-accept.ferry.local\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1));
        client.getOutputStream().flush();
        Thread.sleep(300);
      }
      for (Socket socket : queued) {
        socket.close();
      }
      slow.setSoTimeout(1000);
      List<Socket> accepted = new ArrayList<>();
      long deadline = System.currentTimeMillis() + 10_000;
      while (System.currentTimeMillis() < deadline && accepted.size() < queued.size() + 1) {
        try {
          accepted.add(slow.accept());
        } catch (SocketTimeoutException none) {
          // The proxy's connection attempt comes with the next SYN retransmission.
        }
      }

      assertEquals(queued.size() + 1, accepted.size(), "the proxy's connection was accepted");
      // Counters reach the stats in batches every 100 ms; a second is ample for any leftover.
      Thread.sleep(1000);
      JsonObject counters = admin.get("/proxy/stats/late-accept/1").json();
      assertEquals(0, counters.getLong("active_clients", 0L), counters.encode());
      for (Socket socket : accepted) {
        socket.close();
      }
    } finally {
      for (Socket socket : queued) {
        socket.close();
      }
    }
  }

  private static boolean fillAcceptQueue(ServerSocket server, List<Socket> queued)
      throws IOException {
    for (int i = 0; i < 20; i++) {
      Socket socket = new Socket();
      try {
        socket.connect(new InetSocketAddress("127.0.0.1", server.getLocalPort()), 300);
        queued.add(socket);
      } catch (SocketTimeoutException leftWaiting) {
        socket.close();
        return true;
      }
    }
    return false;
  }
}
