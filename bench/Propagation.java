import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

/**
 * Propagation benchmark: three Ferry nodes on loopback, CHANGES upstreams added through
 * alternating nodes; for each, the time from sending the PUT until another node routes the new
 * upstream, and until the PUT answers (which waits for every node to confirm).
 *
 * Run: bench/propagation.sh [changes]
 */
public class Propagation {

  static final HttpClient HTTP = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  record Node(Process process, int http, int admin, int cluster) {
  }

  public static void main(String[] args) throws Exception {
    int changes = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    String jar = args.length > 1 ? args[1] : "target/ferry.jar";
    Path dir = Files.createTempDirectory("ferry-propagation");
    HttpServer backend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    backend.createContext("/", exchange -> {
      byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    backend.start();
    int backendPort = backend.getAddress().getPort();

    String cluster = "ferry-bench-" + UUID.randomUUID();
    List<Node> nodes = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        nodes.add(start(jar, dir, cluster, nodes.isEmpty() ? -1 : nodes.get(0).cluster));
      }
      List<Double> routable = new ArrayList<>();
      List<Double> answered = new ArrayList<>();
      for (int i = 0; i < changes; i++) {
        Node writer = nodes.get(i % 3);
        Node reader = nodes.get((i + 1) % 3);
        String name = "bench-" + i;
        String body = "{\"upstream\":{\"name\":\"" + name + "\"},\"backend\":{\"id\":\"1\","
            + "\"ip\":\"127.0.0.1\",\"port\":" + backendPort + ",\"scheme\":\"http\"}}";
        long start = System.nanoTime();
        var put = HTTP.sendAsync(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + writer.admin + "/proxy/upstreams"))
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(body)).build(),
            HttpResponse.BodyHandlers.ofString());
        HttpRequest probe = HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + reader.http + "/"))
            .header("Host", name + ".ferry.local").build();
        while (HTTP.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode() != 200) {
          if (System.nanoTime() - start > 10_000_000_000L) {
            throw new IllegalStateException(name + " not routable within 10 s");
          }
        }
        routable.add((System.nanoTime() - start) / 1e6);
        var answer = put.get();
        answered.add((System.nanoTime() - start) / 1e6);
        if (answer.statusCode() != 201) {
          throw new IllegalStateException("PUT answered " + answer.statusCode() + ": "
              + answer.body());
        }
      }
      System.out.printf("changes: %d through 3 nodes (alternating)%n", changes);
      report("routable on another node", routable);
      report("PUT answered (all nodes confirmed)", answered);
    } finally {
      for (Node node : nodes) {
        node.process.destroy();
      }
      for (Node node : nodes) {
        node.process.waitFor();
      }
      backend.stop(0);
    }
  }

  static void report(String what, List<Double> millis) {
    List<Double> sorted = new ArrayList<>(millis);
    Collections.sort(sorted);
    System.out.printf("%-36s p50 %6.1f ms   p95 %6.1f ms   max %6.1f ms%n", what,
        at(sorted, 0.50), at(sorted, 0.95), sorted.get(sorted.size() - 1));
  }

  static double at(List<Double> sorted, double quantile) {
    return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(quantile * sorted.size()) - 1));
  }

  static Node start(String jar, Path dir, String cluster, int seed) throws Exception {
    int http = freePort();
    int admin = freePort();
    int clusterPort = freePort();
    String members = "\"127.0.0.1:" + clusterPort + "\"" + (seed > 0 ? ",\"127.0.0.1:" + seed
        + "\"" : "");
    Path config = dir.resolve("node-" + admin + ".json");
    Files.writeString(config, "{\"listenAddr\":\"127.0.0.1:" + http + "\","
        + "\"adminListenAddr\":\"127.0.0.1:" + admin + "\",\"advertiseIP\":\"127.0.0.1\","
        + "\"clusterName\":\"" + cluster + "\",\"clusterPort\":" + clusterPort + ","
        + "\"clusterMembers\":[" + members + "],\"clusterConfig\":\"\"}");
    Process process = new ProcessBuilder("java", "-Xmx512m", "-jar", jar, "--config",
        config.toString()).redirectErrorStream(true)
        .redirectOutput(dir.resolve("node-" + admin + ".log").toFile()).start();
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      try {
        var health = HTTP.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + admin + "/healthz")).build(),
            HttpResponse.BodyHandlers.discarding());
        if (health.statusCode() == 200) {
          return new Node(process, http, admin, clusterPort);
        }
      } catch (IOException notYet) {
        Thread.sleep(100);
      }
    }
    process.destroyForcibly();
    throw new IllegalStateException("node did not start; see " + dir);
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1,
        java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
