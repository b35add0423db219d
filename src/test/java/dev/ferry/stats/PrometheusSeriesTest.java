package dev.ferry.stats;

import static dev.ferry.testing.Backends.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.AdminClient;
import dev.ferry.testing.Backends;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Ports;
import dev.ferry.testing.ProxyClient;
import dev.ferry.testing.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Ferry's own series on {@code /metrics}, after real traffic through a real node. */
class PrometheusSeriesTest {

  private static TestNode node;
  private static AdminClient admin;
  private static Vertx vertx;
  private static int okPort;
  private static int missingPort;

  /** One sample of the Prometheus text: a series name, its labels and its value. */
  record Sample(String name, Map<String, String> labels, double value) {
  }

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    okPort = Ports.free();
    missingPort = Ports.free();
    Backends.named(vertx, "ok", okPort);
    await(vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1"))
        .requestHandler(req -> req.response().setStatusCode(404).end("not here"))
        .listen(missingPort));
    node = TestNode.start();
    admin = node.admin();
  }

  @AfterAll
  static void stop() {
    node.close();
    await(vertx.close());
  }

  @Test
  void requestsAreCountedByUpstreamBackendAndStatusClass() {
    admin.putBackend("shop", "1", okPort);
    admin.putBackend("lost", "1", missingPort);
    admin.putBackend("down", "1", Ports.free());
    try (ProxyClient client = new ProxyClient(vertx, "127.0.0.1", node.httpPort)) {
      assertEquals(200, client.get("shop.ferry.local").status());
      assertEquals(200, client.get("shop.ferry.local").status());
      assertEquals(404, client.get("lost.ferry.local").status());
      assertEquals(502, client.get("down.ferry.local").status());
      assertEquals(404, client.get("nowhere.example.com").status());
    }

    List<Sample> all = Eventually.poll(PrometheusSeriesTest::scrape,
        s -> value(s, "ferry_requests_total", "upstream", "", "class", "4xx") == 1
            && value(s, "ferry_requests_total", "upstream", "down", "class", "5xx") == 1
            && value(s, "ferry_requests_total", "upstream", "shop", "class", "2xx") == 2,
        "the requests to be counted");

    assertEquals(2, value(all, "ferry_requests_total", "upstream", "shop", "backend", "1",
        "class", "2xx"));
    assertEquals(1, value(all, "ferry_requests_total", "upstream", "lost", "backend", "1",
        "class", "4xx"));
    assertEquals(1, value(all, "ferry_requests_total", "upstream", "down", "backend", "",
        "class", "5xx"));
    assertEquals(1, value(all, "ferry_failures_total", "upstream", "down", "backend", ""));
    assertEquals(0, value(all, "ferry_failures_total", "upstream", "shop", "backend", "1"));
    assertEquals(0, value(all, "ferry_failures_total", "upstream", "lost", "backend", "1"));
    assertEquals(1, value(all, "ferry_failures_total", "upstream", "", "backend", ""));
    double sent = value(all, "ferry_sent_bytes_total", "upstream", "shop", "backend", "1");
    long txBytes = admin.get("/proxy/stats/shop/1").json().getLong("tx_bytes");
    assertTrue(sent > 0, "bytes sent to clients: " + sent);
    assertEquals(txBytes, (long) sent);
    assertEquals(0, value(all, "ferry_received_bytes_total", "upstream", "shop", "backend", "1"));
    assertEquals(0, value(all, "ferry_active_clients", "upstream", "shop", "backend", "1"));
    for (Sample s : all) {
      if (s.name.equals("ferry_requests_total")) {
        assertTrue(List.of("1xx", "2xx", "3xx", "4xx", "5xx", "none")
            .contains(s.labels.get("class")), "class label of " + s);
      }
    }
  }

  @Test
  void bytesFromClientsAreCounted() {
    admin.putBackend("upload", "1", okPort);
    try (ProxyClient client = new ProxyClient(vertx, "127.0.0.1", node.httpPort)) {
      assertEquals(200, client.send(HttpMethod.POST, "upload.ferry.local", "/",
          Backends.bytes(1000)).status());
    }

    Eventually.poll(PrometheusSeriesTest::scrape,
        s -> value(s, "ferry_received_bytes_total", "upstream", "upload", "backend", "1") == 1000,
        "1000 bytes received from the client");
  }

  @Test
  void aChangeIsTimedUntilEveryNodeConfirmedIt() {
    double before = sum(scrape(), "ferry_change_confirm_seconds_count");

    admin.putBackend("timed", "1", okPort);

    List<Sample> all = scrape();
    assertEquals(before + 1, sum(all, "ferry_change_confirm_seconds_count"));
    assertTrue(sum(all, "ferry_change_confirm_seconds_sum") > 0);
    assertTrue(all.stream().anyMatch(s -> s.name.equals("ferry_change_confirm_seconds_bucket")
        && s.labels.get("le").equals("+Inf") && s.value == before + 1), "histogram buckets");
  }

  @Test
  void gaugesShowUpstreamsSessionsAndMembers() {
    admin.putBackend("gauged", "1", okPort);
    try (ProxyClient client = new ProxyClient(vertx, "127.0.0.5", node.httpPort)) {
      assertEquals(200, client.get("gauged.ferry.local").status());
    }
    int upstreams = admin.get("/proxy/upstreams").array().size();
    int sessions = admin.get("/proxy/sessions?counts=true").json().stream()
        .mapToInt(e -> ((Number) e.getValue()).intValue()).sum();

    List<Sample> all = Eventually.poll(PrometheusSeriesTest::scrape,
        s -> sum(s, "ferry_sticky_sessions") == sessions, sessions + " sticky sessions");

    assertTrue(sessions >= 1);
    assertEquals(upstreams, sum(all, "ferry_upstreams"));
    assertEquals(1, sum(all, "ferry_cluster_members"));
  }

  @Test
  void aRemovedBackendsSeriesGo() {
    admin.putBackend("shrinking", "1", okPort);
    admin.putBackend("shrinking", "2", okPort);
    try (ProxyClient client = new ProxyClient(vertx, "127.0.0.1", node.httpPort)) {
      assertEquals(200, client.get("2.shrinking.ferry.local").status());
    }
    Eventually.poll(PrometheusSeriesTest::scrape, s -> value(s, "ferry_requests_total",
        "upstream", "shrinking", "backend", "2", "class", "2xx") == 1, "backend 2 counted");

    admin.deleteBackend("shrinking", "2");

    List<Sample> after = Eventually.poll(PrometheusSeriesTest::scrape,
        s -> s.stream().noneMatch(x -> "shrinking".equals(x.labels.get("upstream"))
            && "2".equals(x.labels.get("backend"))), "no series of backend 2");
    assertEquals(0, value(after, "ferry_failures_total", "upstream", "shrinking",
        "backend", "1"));
  }

  private static List<Sample> scrape() {
    AdminClient.Answer answer = admin.get("/metrics");
    assertEquals(200, answer.status());
    List<Sample> out = new ArrayList<>();
    for (String line : answer.body().split("\n")) {
      if (line.startsWith("ferry_")) {
        out.add(parse(line));
      }
    }
    return out;
  }

  /** A line like {@code name{a="x",b="y"} 1.0}; label values here hold no quote or comma. */
  private static Sample parse(String line) {
    int space = line.lastIndexOf(' ');
    String series = line.substring(0, space);
    double value = Double.parseDouble(line.substring(space + 1));
    int brace = series.indexOf('{');
    if (brace < 0) {
      return new Sample(series, Map.of(), value);
    }
    Map<String, String> labels = new HashMap<>();
    for (String pair : series.substring(brace + 1, series.length() - 1).split(",")) {
      int eq = pair.indexOf('=');
      labels.put(pair.substring(0, eq), pair.substring(eq + 2, pair.length() - 1));
    }
    return new Sample(series.substring(0, brace), labels, value);
  }

  /** The value of the one series with these labels (pairs of name and value), else -1. */
  private static double value(List<Sample> samples, String name, String... labels) {
    double found = -1;
    for (Sample s : samples) {
      if (!s.name.equals(name)) {
        continue;
      }
      boolean match = true;
      for (int i = 0; i < labels.length; i += 2) {
        match &= labels[i + 1].equals(s.labels.getOrDefault(labels[i], ""));
      }
      if (match) {
        found = found < 0 ? s.value : found + s.value;
      }
    }
    return found;
  }

  private static double sum(List<Sample> samples, String name) {
    return samples.stream().filter(s -> s.name.equals(name)).mapToDouble(Sample::value).sum();
  }
}
