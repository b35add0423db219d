package dev.ferry.limits;

import static dev.ferry.testing.Backends.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.AdminClient;
import dev.ferry.testing.Backends;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Ports;
import dev.ferry.testing.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MaxConnectionsTest {

  private static final String HOST = "capped.ferry.local";

  private static TestNode node;
  private static AdminClient admin;
  private static Vertx vertx;
  private static int listen;

  @BeforeAll
  static void start() {
    node = TestNode.start(new JsonObject().put("maxConnections", 5));
    admin = node.admin();
    vertx = Backends.vertx();
    int http = Ports.free();
    await(vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1"))
        .requestHandler(request -> request.response().end("ok"))
        .webSocketHandler(ws -> ws.textMessageHandler(ws::writeTextMessage))
        .listen(http));
    admin.putBackend("capped", "1-capped", http);
    int echo = Ports.free();
    Backends.echo(vertx, echo);
    listen = Ports.free();
    admin.putBackend("capped-tcp", "1-capped-tcp", echo,
        new JsonObject().put("listen", ":" + listen), new JsonObject());
    Eventually.poll(() -> admin.get("/proxy/stats").json().getJsonObject("tcpd")
        .getJsonObject(":" + listen, new JsonObject()), l -> l.getBoolean("serving", false),
        "listener :" + listen + " serving");
  }

  @AfterAll
  static void stop() {
    await(vertx.close());
    node.close();
  }

  @BeforeEach
  void everyEarlierConnectionHasGone() {
    Eventually.poll(() -> global().getLong("client_connections"), open -> open == 0,
        "no client connection left open");
  }

  private static JsonObject global() {
    return admin.get("/proxy/stats").json().getJsonObject("counter").getJsonObject("global");
  }

  private static Socket connect(int port) throws IOException {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    socket.setSoTimeout(5000);
    return socket;
  }

  /** Sends a kept-alive GET and reads its answer, "ok" with its length. */
  private static void served(Socket socket) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(("GET / HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n")
        .getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    InputStream in = socket.getInputStream();
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      assertTrue(b >= 0, "closed after " + head);
      head.append((char) b);
    }
    assertTrue(head.toString().startsWith("HTTP/1.1 200 "), head.toString());
    assertEquals("ok", new String(in.readNBytes(2), StandardCharsets.ISO_8859_1));
  }

  /** True when the proxy closes the socket within a second without sending anything. */
  private static boolean closedAtOnce(Socket socket) throws IOException {
    socket.setSoTimeout(1000);
    try {
      return socket.getInputStream().read() == -1;
    } catch (SocketException reset) {
      return true;
    }
  }

  private static List<Socket> fiveServedConnections() throws IOException {
    List<Socket> open = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      Socket socket = connect(node.httpPort);
      open.add(socket);
      served(socket);
    }
    return open;
  }

  private static void closeAll(List<Socket> sockets) throws IOException {
    for (Socket socket : sockets) {
      socket.close();
    }
  }

  @Test
  void sixthConnectionIsClosedAtOnceWhileTheFirstFiveKeepWorking() throws IOException {
    long refusedBefore = global().getLong("refused_connections");
    List<Socket> five = fiveServedConnections();
    try (Socket sixth = connect(node.httpPort)) {
      long start = System.nanoTime();

      assertTrue(closedAtOnce(sixth));

      assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(1));
      for (Socket socket : five) {
        served(socket);
      }
      JsonObject counted = global();
      assertEquals(5, counted.getLong("client_connections"));
      assertEquals(refusedBefore + 1, counted.getLong("refused_connections"));
    } finally {
      closeAll(five);
    }
  }

  @Test
  void httpAndTcpConnectionsShareTheLimit() throws IOException {
    List<Socket> five = fiveServedConnections();
    try (Socket refused = connect(listen)) {
      assertTrue(closedAtOnce(refused));

      five.remove(0).close();
      Eventually.poll(() -> global().getLong("client_connections"), open -> open == 4,
          "the closed connection's place given back");
      try (Socket piped = connect(listen)) {
        byte[] ping = "ping".getBytes(StandardCharsets.UTF_8);
        piped.getOutputStream().write(ping);
        assertArrayEquals(ping, piped.getInputStream().readNBytes(ping.length));
        try (Socket sixth = connect(node.httpPort)) {
          assertTrue(closedAtOnce(sixth));
        }
      }
    } finally {
      closeAll(five);
    }
  }

  @Test
  void upgradedWebSocketGivesBackItsPlaceWhenClosed() {
    WebSocketClient client = vertx.createWebSocketClient();
    for (int i = 0; i < 8; i++) {
      WebSocket ws = await(client.connect(new WebSocketConnectOptions().setHost("127.0.0.1")
          .setPort(node.httpPort).putHeader("Host", HOST).setURI("/chat")));
      await(ws.close());
    }
    Eventually.poll(() -> global().getLong("client_connections"), open -> open == 0,
        "every WebSocket's place given back");
    await(client.close());
  }

  @Test
  void refusalsAreCountedAndWarnedAboutAtMostOnceInTenSeconds() {
    List<LogRecord> warnings = new CopyOnWriteArrayList<>();
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord record) {
        if (record.getLevel() == Level.WARNING) {
          warnings.add(record);
        }
      }

      @Override
      public void flush() {
      }

      @Override
      public void close() {
      }
    };
    Logger logger = Logger.getLogger(ConnectionLimit.class.getName());
    logger.addHandler(capture);
    try {
      ConnectionLimit limit = new ConnectionLimit(2);
      assertTrue(limit.tryOpen(":80"));
      assertTrue(limit.tryOpen(":80"));

      for (int i = 0; i < 50; i++) {
        assertFalse(limit.tryOpen(":7001"));
      }
      limit.closed();
      assertTrue(limit.tryOpen(":80"));

      assertEquals(50, limit.refused());
      assertEquals(2, limit.open());
      assertEquals(1, warnings.size());
      assertTrue(warnings.get(0).getMessage().contains("maxConnections 2"),
          warnings.get(0).getMessage());
    } finally {
      logger.removeHandler(capture);
    }
  }
}
