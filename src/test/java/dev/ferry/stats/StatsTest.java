package dev.ferry.stats;

import static dev.ferry.testing.Backends.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.config.Durations;
import dev.ferry.testing.AdminClient;
import dev.ferry.testing.Backends;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.OneNode;
import dev.ferry.testing.Ports;
import dev.ferry.testing.ProxyClient;
import dev.ferry.testing.ProxyClient.Reply;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every test here waits until the counts of its own traffic have arrived, so the global
 * counters are settled when the next test reads them as its baseline.
 */
class StatsTest extends OneNode {

  private static final Pattern UPTIME = Pattern.compile("(\\d+h)?(\\d+m)?\\d+(\\.\\d{1,3})?s");

  private ProxyClient client;
  private JsonObject baseline;

  @BeforeEach
  void readBaseline() {
    client = new ProxyClient(vertx, "127.0.0.1", node.httpPort);
    baseline = global();
  }

  @AfterEach
  void closeClient() {
    client.close();
  }

  private static JsonObject stats(String path) {
    AdminClient.Answer answer = admin.get("/proxy/stats" + path);
    assertEquals(200, answer.status(), answer.body());
    return answer.json();
  }

  private static JsonObject global() {
    return stats("").getJsonObject("counter").getJsonObject("global");
  }

  private static JsonObject counts(long requests, long fails, long rx, long tx) {
    return new JsonObject().put("requests", requests).put("fails", fails)
        .put("rx_bytes", rx).put("tx_bytes", tx);
  }

  private static JsonObject countsOf(JsonObject counters) {
    return counts(counters.getLong("requests", 0L), counters.getLong("fails", 0L),
        counters.getLong("rx_bytes", 0L), counters.getLong("tx_bytes", 0L));
  }

  /** Waits until a backend's counters are exactly {@code expected}. */
  private static JsonObject awaitBackend(String upstream, String backend, JsonObject expected) {
    return Eventually.poll(() -> stats("/" + upstream + "/" + backend),
        c -> countsOf(c).equals(expected), upstream + "/" + backend + " counting " + expected);
  }

  /** Waits until the global counters have grown by exactly {@code delta} since the baseline. */
  private void awaitGlobalGrowth(JsonObject delta) {
    JsonObject expected = counts(
        baseline.getLong("requests") + delta.getLong("requests"),
        baseline.getLong("fails") + delta.getLong("fails"),
        baseline.getLong("rx_bytes") + delta.getLong("rx_bytes"),
        baseline.getLong("tx_bytes") + delta.getLong("tx_bytes"));
    Eventually.poll(() -> countsOf(global()), expected::equals, "global counting " + expected);
  }

  private static int namedBackend(String name) {
    int port = Ports.free();
    Backends.named(vertx, name, port);
    return port;
  }

  @Test
  void httpCountsRequestAndResponseBodyBytesAndEachRequest() {
    admin.putBackend("stats-http", "a", namedBackend("a"));
    String host = "stats-http.ferry.local";

    long answered = 0;
    for (int size : new int[] {1000, 2500, 0, 70_000}) {
      Reply reply = client.send(HttpMethod.POST, host, "/upload", Backends.bytes(size));
      assertEquals(200, reply.status());
      answered += reply.body().length();
    }
    Reply plain = client.get(host);
    answered += plain.body().length();

    JsonObject expected = counts(5, 0, 73_500, answered);
    JsonObject a = awaitBackend("stats-http", "a", expected);
    assertEquals(0, a.getLong("active_clients"));
    awaitGlobalGrowth(expected);
  }

  @Test
  void notFoundCountsAsAGlobalRequestAndFail() {
    for (int i = 0; i < 3; i++) {
      assertEquals(404, client.get("no-such-upstream.example.com").status());
    }

    Eventually.poll(() -> global(),
        g -> g.getLong("requests") == baseline.getLong("requests") + 3
            && g.getLong("fails") == baseline.getLong("fails") + 3,
        "3 more requests and 3 more fails");
  }

  @Test
  void badGatewayFromRefusingBackendsCountsAsAFail() {
    admin.putBackend("stats-refused", "a", Ports.free());
    admin.putBackend("stats-refused", "b", Ports.free());

    assertEquals(502, client.get("stats-refused.ferry.local").status());
    assertEquals(502, client.get("stats-refused.ferry.local").status());

    awaitGlobalGrowth(counts(2, 2, 0, 0));
  }

  @Test
  void backendThatBreaksOffTheRequestIsCountedWithAFail() {
    int port = Ports.free();
    await(vertx.createNetServer().connectHandler(socket -> socket.handler(b -> socket.close()))
        .listen(port, "127.0.0.1"));
    admin.putBackend("stats-broken", "a", port);

    assertEquals(502, client.get("stats-broken.ferry.local").status());

    awaitBackend("stats-broken", "a", counts(1, 1, 0, 0));
    awaitGlobalGrowth(counts(1, 1, 0, 0));
  }

  @Test
  void aClientThatLeavesBeforeTheAnswerIsCountedWithAFail() throws IOException {
    int port = Ports.free();
    await(vertx.createHttpServer()
        .requestHandler(request -> vertx.setTimer(1500, t -> request.response().end("late")))
        .listen(port, "127.0.0.1"));
    admin.putBackend("stats-left", "a", port);

    try (Socket socket = connect(node.httpPort)) {
      socket.getOutputStream().write(("GET / HTTP/1.1\r\nHost: stats-left.ferry.local\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      Eventually.poll(() -> stats("/stats-left/a"), c -> c.getLong("active_clients", 0L) == 1,
          "the request reaching the backend");
    }

    awaitBackend("stats-left", "a", counts(1, 1, 0, 0));
  }

  @Test
  void aBackendThatBreaksOffWithinItsBodyIsCountedWithAFail() throws IOException {
    int port = Ports.free();
    await(vertx.createNetServer().connectHandler(socket -> socket.handler(b -> socket
            .write("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nshort")
            .onComplete(ar -> socket.close())))
        .listen(port, "127.0.0.1"));
    admin.putBackend("stats-short", "a", port);

    try (Socket socket = connect(node.httpPort)) {
      socket.getOutputStream().write(("GET / HTTP/1.1\r\nHost: stats-short.ferry.local\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      socket.getInputStream().readAllBytes();
    } catch (SocketException reset) {
      // The proxy may reset the connection it cannot finish.
    }

    awaitBackend("stats-short", "a", counts(1, 1, 0, 5));
  }

  private static int greetingBackend(int greetingSize) {
    int port = Ports.free();
    await(vertx.createNetServer()
        .connectHandler(socket -> {
          socket.handler(ignored -> { });
          socket.write(Backends.bytes(greetingSize));
        })
        .listen(port, "127.0.0.1"));
    return port;
  }

  private static Socket connect(int port) throws IOException {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    socket.setSoTimeout(15_000);
    return socket;
  }

  private static void awaitServing(int listen) {
    Eventually.poll(() -> stats("").getJsonObject("tcpd").getJsonObject(":" + listen),
        l -> l != null && l.getBoolean("serving"), "listener :" + listen + " serving");
  }

  @Test
  void tcpCountsEveryByteBothWaysAndEachConnectionAsARequest() throws IOException {
    int listen = Ports.free();
    admin.putBackend("stats-tcp", "a", greetingBackend(300),
        new JsonObject().put("listen", ":" + listen), new JsonObject());
    awaitServing(listen);

    for (int size : new int[] {5000, 123_456}) {
      try (Socket socket = connect(listen)) {
        assertArrayEquals(Backends.bytes(300).getBytes(),
            socket.getInputStream().readNBytes(300));
        socket.getOutputStream().write(Backends.bytes(size).getBytes());
      }
    }

    JsonObject expected = counts(2, 0, 128_456, 600);
    Eventually.poll(() -> stats("/stats-tcp/a"),
        c -> countsOf(c).equals(expected) && c.getLong("active_clients") == 0,
        "stats-tcp/a counting " + expected + " and no active client");
    awaitGlobalGrowth(expected);
  }

  @Test
  void upstreamAndBackendPathsAnswerTheirMapsAndUnknownOnesAnswerEmpty() {
    admin.putBackend("stats-paths", "a", namedBackend("a"));
    admin.putBackend("stats-paths", "b", namedBackend("b"));

    JsonObject upstream = Eventually.poll(() -> stats("/stats-paths"),
        u -> u.size() == 2, "both backends of stats-paths listed");
    assertEquals(Set.of("a", "b"), upstream.fieldNames());
    assertEquals(Set.of("a", "b"), stats("").getJsonObject("counter")
        .getJsonObject("upstream").getJsonObject("stats-paths").fieldNames());
    JsonObject a = stats("/stats-paths/a");
    for (String key : new String[] {"active_clients", "rx_bytes", "tx_bytes", "requests",
        "rx_rate", "tx_rate", "requests_rate", "uptime"}) {
      assertTrue(a.containsKey(key), key + " in " + a.encode());
    }
    assertEquals(new JsonObject(), stats("/no-such-upstream"));
    assertEquals(new JsonObject(), stats("/stats-paths/no-such-backend"));
    assertEquals(new JsonObject(), stats("/no-such-upstream/a"));
  }

  @Test
  void uptimesAreWrittenLikeOneHourTwoMinutesThreeAndAHalfSeconds() {
    assertEquals("1h2m3.5s", Durations.format(Duration.ofMillis(3_723_500)));
    assertEquals("2m0s", Durations.format(Duration.ofMinutes(2)));
    admin.putBackend("stats-uptime", "a", namedBackend("a"));

    JsonObject backend = Eventually.poll(() -> stats("/stats-uptime/a"),
        b -> b.containsKey("uptime"), "counters of stats-uptime/a");
    JsonObject all = stats("");
    for (String uptime : new String[] {backend.getString("uptime"),
        all.getJsonObject("counter").getJsonObject("global").getString("uptime")}) {
      assertTrue(UPTIME.matcher(uptime).matches(), uptime);
    }
  }

  @Test
  void removedBackendsCountersStayWhileItsTcpClientIsConnected() throws IOException {
    int listen = Ports.free();
    JsonObject tcp = new JsonObject().put("listen", ":" + listen);
    admin.putBackend("stats-removed", "a", greetingBackend(10), tcp, new JsonObject());
    admin.putBackend("stats-removed", "b", greetingBackend(10), tcp,
        new JsonObject().put("weihgt", 0));
    awaitServing(listen);

    try (Socket socket = connect(listen)) {
      socket.getInputStream().readNBytes(10);
      Eventually.poll(() -> stats("/stats-removed/a"),
          a -> a.getLong("active_clients", 0L) == 1, "one active client on a");

      admin.deleteBackend("stats-removed", "a");
      // Counters of backends in the table appear at the next one-second tick, so once c shows
      // up a tick has passed since a was removed.
      admin.putBackend("stats-removed", "c", Ports.free(), new JsonObject(),
          new JsonObject().put("weihgt", 0));
      Eventually.poll(() -> stats("/stats-removed"), u -> u.containsKey("c"),
          "the counters of c after a tick");

      JsonObject a = stats("/stats-removed/a");
      assertEquals(1, a.getLong("active_clients"), a.encode());
      assertEquals(1, a.getLong("requests"), a.encode());
      assertEquals(10, a.getLong("tx_bytes"), a.encode());
    }

    Eventually.poll(() -> stats("/stats-removed/a"), JsonObject::isEmpty,
        "the counters of a gone after its last client");
    awaitGlobalGrowth(counts(1, 0, 0, 10));
  }
}
