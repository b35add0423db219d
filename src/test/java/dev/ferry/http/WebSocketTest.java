package dev.ferry.http;

import static dev.ferry.testing.Backends.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.ferry.testing.AdminClient;
import dev.ferry.testing.Backends;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Ports;
import dev.ferry.testing.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class WebSocketTest {

  private static TestNode node;
  private static AdminClient admin;
  private static Vertx vertx;

  @BeforeAll
  static void start() {
    node = TestNode.start();
    admin = node.admin();
    vertx = Backends.vertx();
  }

  @AfterAll
  static void stop() {
    await(vertx.close());
    node.close();
  }

  /**
   * Registers a WebSocket backend that sends every text and binary message back; the answer
   * counts the WebSockets it has seen closed.
   */
  private static AtomicInteger echoBackend(String upstream) {
    int port = Ports.free();
    AtomicInteger closed = new AtomicInteger();
    await(vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1"))
        .webSocketHandler(ws -> {
          ws.textMessageHandler(ws::writeTextMessage);
          ws.binaryMessageHandler(ws::writeBinaryMessage);
          ws.closeHandler(v -> closed.incrementAndGet());
        })
        .listen(port));
    admin.putBackend(upstream, "1-" + upstream, port);
    return closed;
  }

  private static WebSocket connect(WebSocketClient client, String host) {
    // The WebSocket client connects to the options' host, so the routing name goes in Host.
    return await(client.connect(new WebSocketConnectOptions()
        .setHost("127.0.0.1")
        .setPort(node.httpPort)
        .putHeader("Host", host)
        .setURI("/chat")));
  }

  private static <T> T next(BlockingQueue<T> queue) throws InterruptedException {
    T item = queue.poll(10, TimeUnit.SECONDS);
    assertNotNull(item, "no echo within 10 s");
    return item;
  }

  @Test
  void textAndBinaryFramesAreEchoedThroughTheProxy() throws Exception {
    echoBackend("ws-echo");
    WebSocketClient client = vertx.createWebSocketClient();
    BlockingQueue<String> texts = new LinkedBlockingQueue<>();
    BlockingQueue<Buffer> binaries = new LinkedBlockingQueue<>();

    WebSocket ws = connect(client, "ws-echo.ferry.local");
    ws.textMessageHandler(texts::add);
    ws.binaryMessageHandler(binaries::add);

    for (int i = 0; i < 5; i++) {
      String text = "message " + i + " é";
      Buffer binary = Backends.bytes(1 + i * 20_000);
      await(ws.writeTextMessage(text));
      assertEquals(text, next(texts));
      await(ws.writeBinaryMessage(binary));
      assertEquals(binary, next(binaries));
    }
    await(ws.close());
    await(client.close());
  }

  @Test
  void aClosedWebSocketIsCountedOnceAndLeavesNoActiveClient() throws Exception {
    AtomicInteger closed = echoBackend("ws-count");
    WebSocketClient client = vertx.createWebSocketClient();

    for (int i = 0; i < 3; i++) {
      WebSocket ws = connect(client, "ws-count.ferry.local");
      await(ws.writeTextMessage("hello"));
      await(ws.close());
    }
    await(client.close());

    Eventually.poll(() -> admin.get("/proxy/stats/ws-count/1-ws-count").json(),
        c -> closed.get() == 3 && c.getLong("requests", 0L) == 3
            && c.getLong("active_clients", -1L) == 0,
        "three WebSockets counted and none active");
  }

  @Test
  void closingAWebSocketLogsNoErrorOnTheNode() throws Exception {
    AtomicInteger closed = echoBackend("ws-quiet");
    WebSocketClient client = vertx.createWebSocketClient();
    List<LogRecord> errors = new CopyOnWriteArrayList<>();
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord record) {
        if (record.getLevel().intValue() >= Level.SEVERE.intValue()) {
          errors.add(record);
        }
      }

      @Override
      public void flush() {
      }

      @Override
      public void close() {
      }
    };
    Logger vertxLog = Logger.getLogger("io.vertx");
    vertxLog.addHandler(capture);
    try {
      WebSocket ws = connect(client, "ws-quiet.ferry.local");
      BlockingQueue<String> texts = new LinkedBlockingQueue<>();
      ws.textMessageHandler(texts::add);
      await(ws.writeTextMessage("bye"));
      assertEquals("bye", next(texts));
      await(ws.close());
      Eventually.within(closed::get, n -> n == 1, 5000, "backend WebSocket closed");

      assertEquals(List.of(), errors.stream().map(r -> r.getLoggerName() + ": "
          + r.getMessage()).toList());
    } finally {
      vertxLog.removeHandler(capture);
      await(client.close());
    }
  }

  @Test
  void upgradeWithKeepAliveInTheConnectionHeaderSwitchesProtocols() throws IOException {
    echoBackend("ws-firefox");

    try (RawHttp raw = new RawHttp(node.httpPort)) {
      raw.send("GET /chat HTTP/1.1\r\n"
          + "Host: ws-firefox.ferry.local\r\n"
          + "Connection: keep-alive, Upgrade\r\n"
          + "Upgrade: websocket\r\n"
          + "Sec-WebSocket-Version: 13\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          + "\r\n");
      RawHttp.Response response = raw.read();

      assertEquals(101, response.status(), response.statusLine() + " " + response.body());
      assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", response.headers().get("sec-websocket-accept"));
      raw.send(maskedTextFrame("ping"));
      assertArrayEquals("ping".getBytes(StandardCharsets.UTF_8), unmaskedPayload(raw.input()));
    }
  }

  private static byte[] maskedTextFrame(String text) {
    byte[] payload = text.getBytes(StandardCharsets.UTF_8);
    byte[] mask = {0x1b, 0x2c, 0x3d, 0x4e};
    byte[] frame = new byte[2 + mask.length + payload.length];
    frame[0] = (byte) 0x81;
    frame[1] = (byte) (0x80 | payload.length);
    System.arraycopy(mask, 0, frame, 2, mask.length);
    for (int i = 0; i < payload.length; i++) {
      frame[6 + i] = (byte) (payload[i] ^ mask[i % 4]);
    }
    return frame;
  }

  /** Reads one short unmasked text frame, as a server sends it. */
  private static byte[] unmaskedPayload(InputStream in) throws IOException {
    byte[] header = in.readNBytes(2);
    assertEquals((byte) 0x81, header[0], "a final text frame");
    return in.readNBytes(header[1] & 0x7f);
  }
}
