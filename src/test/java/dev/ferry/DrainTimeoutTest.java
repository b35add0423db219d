package dev.ferry;

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
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DrainTimeoutTest {

  @Test
  void stopWaitsForOpenConnectionsNoLongerThanTheDrainTimeout() throws Exception {
    Vertx vertx = Backends.vertx();
    TestNode node = TestNode.start(new JsonObject().put("drainTimeout", "1500ms"));
    try {
      AdminClient admin = node.admin();
      int echo = Ports.free();
      Backends.echo(vertx, echo);
      int listen = Ports.free();
      admin.putBackend("draining", "1-draining", echo,
          new JsonObject().put("listen", ":" + listen), new JsonObject());
      Eventually.poll(() -> admin.get("/proxy/stats").json().getJsonObject("tcpd")
          .getJsonObject(":" + listen, new JsonObject()), l -> l.getBoolean("serving", false),
          "listener :" + listen + " serving");

      try (Socket client = new Socket()) {
        client.connect(new InetSocketAddress("127.0.0.1", listen), 5000);
        client.setSoTimeout(15_000);
        byte[] ping = "ping".getBytes(StandardCharsets.UTF_8);
        client.getOutputStream().write(ping);
        assertArrayEquals(ping, client.getInputStream().readNBytes(ping.length));

        long start = System.nanoTime();
        node.node.stop().await(30, TimeUnit.SECONDS);
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertTrue(tookMillis >= 1400 && tookMillis < 6000, "stopped after " + tookMillis + " ms");
        assertEquals(-1, client.getInputStream().read());
      }
    } finally {
      await(vertx.close());
    }
  }
}
