package dev.ferry.http;

import static dev.ferry.testing.Backends.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.AdminClient;
import dev.ferry.testing.Backends;
import dev.ferry.testing.Ports;
import dev.ferry.testing.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A backend that does not accept in time, played on loopback by a listening socket whose
 * accept queue is full: Linux then drops further connection attempts, which wait unanswered.
 */
class BackendConnectTimeoutTest {

  private static TestNode node;
  private static AdminClient admin;
  private static Vertx vertx;
  private static ServerSocket jammed;
  private static final List<Socket> queued = new ArrayList<>();

  @BeforeAll
  static void start() throws IOException {
    node = TestNode.start(new JsonObject().put("backendConnectTimeout", "500ms"));
    admin = node.admin();
    vertx = Backends.vertx();
    jammed = new ServerSocket(Ports.free(), 1, InetAddress.getLoopbackAddress());
    Assumptions.assumeTrue(fillAcceptQueue(),
        "this system answers connections to a full accept queue, so none can be left waiting");
  }

  @AfterAll
  static void stop() throws IOException {
    for (Socket socket : queued) {
      socket.close();
    }
    jammed.close();
    await(vertx.close());
    node.close();
  }

  /** Connects until a connection attempt is left waiting; false if none ever is. */
  private static boolean fillAcceptQueue() throws IOException {
    for (int i = 0; i < 20; i++) {
      Socket socket = new Socket();
      try {
        socket.connect(new InetSocketAddress("127.0.0.1", jammed.getLocalPort()), 300);
        queued.add(socket);
      } catch (SocketTimeoutException leftWaiting) {
        socket.close();
        return true;
      }
    }
    return false;
  }

  private static RawHttp.Response get(String host) {
    return RawHttp.roundTrip(node.httpPort,
        "GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
  }

  @Test
  void backendNotAcceptingInTimeIsSkippedForTheNextOne() {
    JsonObject loose = new JsonObject().put("sticky", false);
    admin.putBackend("jam", "1-jam", jammed.getLocalPort(), loose,
        new JsonObject().put("weihgt", 1000));
    int live = Ports.free();
    Backends.named(vertx, "2-jam", live);
    admin.putBackend("jam", "2-jam", live, loose, new JsonObject().put("weihgt", 1));

    long start = System.nanoTime();
    RawHttp.Response reply = get("jam.ferry.local");
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertEquals(200, reply.status(), reply.body());
    assertEquals("2-jam", new JsonObject(reply.body()).getString("backend"));
    assertTrue(tookMillis >= 450 && tookMillis < 3000, "answered after " + tookMillis + " ms");
  }

  @Test
  void pinnedBackendNotAcceptingInTimeAnswers502SayingSo() {
    admin.putBackend("jam-pin", "1-jam-pin", jammed.getLocalPort());

    long start = System.nanoTime();
    RawHttp.Response reply = get("1.jam-pin.ferry.local");
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertEquals(502, reply.status(), reply.body());
    assertTrue(reply.body().contains("1-jam-pin")
        && reply.body().contains("did not take the connection in time"), reply.body());
    assertTrue(tookMillis >= 450 && tookMillis < 3000, "answered after " + tookMillis + " ms");
  }
}
