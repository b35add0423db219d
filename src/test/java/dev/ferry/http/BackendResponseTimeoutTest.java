package dev.ferry.http;

import static dev.ferry.testing.Backends.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.Backends;
import dev.ferry.testing.AdminClient;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Ports;
import dev.ferry.testing.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BackendResponseTimeoutTest {

  private static TestNode node;
  private static AdminClient admin;
  private static Vertx vertx;

  @BeforeAll
  static void start() {
    node = TestNode.start(new JsonObject().put("backendResponseTimeout", "1s"));
    admin = node.admin();
    vertx = Backends.vertx();
  }

  @AfterAll
  static void stop() {
    await(vertx.close());
    node.close();
  }

  /** A backend that takes connections and reads requests but never answers. */
  private static int silentBackend() {
    int port = Ports.free();
    await(vertx.createNetServer().connectHandler(socket -> socket.handler(bytes -> { }))
        .listen(port, "127.0.0.1"));
    return port;
  }

  /** A backend that answers after {@code delayMillis}, once it has read the whole request. */
  private static int slowBackend(long delayMillis) {
    int port = Ports.free();
    await(vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1"))
        .requestHandler(request -> request.body().onSuccess(body ->
            vertx.setTimer(delayMillis, t -> request.response().end("read " + body.length()))))
        .listen(port));
    return port;
  }

  private static long fails() {
    return admin.get("/proxy/stats").json().getJsonObject("counter").getJsonObject("global")
        .getLong("fails");
  }

  private static RawHttp.Response exchange(String host, String method, String body) {
    return RawHttp.roundTrip(node.httpPort, method + " / HTTP/1.1\r\nHost: " + host
        + "\r\nContent-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body);
  }

  @Test
  void backendThatNeverAnswersGets504AfterTheResponseTimeout() {
    admin.putBackend("mute", "1-mute", silentBackend());
    long failsBefore = fails();

    long start = System.nanoTime();
    RawHttp.Response get = exchange("mute.ferry.local", "GET", "");
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    RawHttp.Response post = exchange("mute.ferry.local", "POST", "order=1");

    assertEquals(504, get.status(), get.body());
    assertTrue(get.body().contains("1-mute") && get.body().contains("no response"),
        get.body());
    assertTrue(tookMillis >= 950 && tookMillis < 4000, "answered after " + tookMillis + " ms");
    assertEquals(504, post.status(), post.body());
    Eventually.poll(BackendResponseTimeoutTest::fails, n -> n >= failsBefore + 2,
        "both timed-out requests counted as fails");
  }

  @Test
  void eachWaitingRequestGetsItsWholeAllowanceWhateverTheOthersDo() throws Exception {
    admin.putBackend("hushed", "1-hushed", silentBackend());
    admin.putBackend("prompt", "1-prompt", slowBackend(1));
    ExecutorService clients = Executors.newFixedThreadPool(3);
    try {
      List<Future<long[]>> waits = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        long startsAfter = i * 400L;
        waits.add(clients.submit(() -> {
          Thread.sleep(startsAfter);
          long start = System.nanoTime();
          RawHttp.Response reply = exchange("hushed.ferry.local", "GET", "");
          return new long[] {reply.status(),
              TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)};
        }));
      }
      for (int i = 0; i < 20; i++) {
        RawHttp.Response reply = exchange("prompt.ferry.local", "GET", "");
        assertEquals(200, reply.status(), reply.body());
        Thread.sleep(50);
      }

      for (Future<long[]> wait : waits) {
        long[] outcome = wait.get(20, TimeUnit.SECONDS);
        assertEquals(504, outcome[0]);
        assertTrue(outcome[1] >= 950 && outcome[1] < 4000, "answered after " + outcome[1]
            + " ms");
      }
    } finally {
      clients.shutdownNow();
    }
  }

  @Test
  void aWebSocketHandshakeTheBackendNeverAnswersGets504AfterTheResponseTimeout() {
    admin.putBackend("mutesocket", "1-mutesocket", silentBackend());

    long start = System.nanoTime();
    RawHttp.Response reply = RawHttp.roundTrip(node.httpPort, "GET /chat HTTP/1.1\r\n"
        + "Host: mutesocket.ferry.local\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertEquals(504, reply.status(), reply.body());
    assertTrue(reply.body().contains("no response"), reply.body());
    assertTrue(tookMillis >= 950 && tookMillis < 4000, "answered after " + tookMillis + " ms");
  }

  @Test
  void backendAnsweringWithinTheTimeoutIsServed() {
    admin.putBackend("unhurried", "1-unhurried", slowBackend(500));

    RawHttp.Response reply = exchange("unhurried.ferry.local", "POST", "x".repeat(1000));

    assertEquals(200, reply.status(), reply.body());
    assertEquals("read 1000", reply.body());
  }
}
