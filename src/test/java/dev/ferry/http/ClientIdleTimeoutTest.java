package dev.ferry.http;

import static dev.ferry.testing.Backends.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.Backends;
import dev.ferry.testing.Ports;
import dev.ferry.testing.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.EOFException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ClientIdleTimeoutTest {

  private static final String HOST = "idle.ferry.local";
  private static final String GET = "GET / HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n";

  private static TestNode node;
  private static Vertx vertx;

  @BeforeAll
  static void start() {
    node = TestNode.start(new JsonObject().put("clientIdleTimeout", "1s"));
    vertx = Backends.vertx();
    int port = Ports.free();
    Backends.named(vertx, "1-idle", port);
    node.admin().putBackend("idle", "1-idle", port);
  }

  @AfterAll
  static void stop() {
    await(vertx.close());
    node.close();
  }

  @Test
  void idleKeptAliveConnectionIsClosedAfterTheIdleTimeout() {
    try (RawHttp client = new RawHttp(node.httpPort)) {
      client.send(GET);
      assertEquals(200, client.read().status());
      long answered = System.nanoTime();

      // The proxy closes the connection: reading the next response meets its end.
      assertThrows(EOFException.class, () -> {
        try {
          client.read();
        } catch (java.io.UncheckedIOException e) {
          throw e.getCause();
        }
      });

      long idleMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - answered);
      assertTrue(idleMillis >= 900 && idleMillis < 3000, "closed after " + idleMillis + " ms");
    }
  }

  @Test
  void connectionInUseStaysOpenPastTheIdleTimeout() {
    try (RawHttp client = new RawHttp(node.httpPort)) {
      long opened = System.nanoTime();
      while (System.nanoTime() - opened < TimeUnit.MILLISECONDS.toNanos(2500)) {
        client.send(GET);
        assertEquals(200, client.read().status());
        pause(300);
      }
    }
  }

  /** Paces the requests of a busy client; no test waits on it for an event. */
  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
