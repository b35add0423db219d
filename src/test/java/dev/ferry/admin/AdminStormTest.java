package dev.ferry.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.AdminClient;
import dev.ferry.testing.AdminClient.Answer;
import dev.ferry.testing.Eventually;
import dev.ferry.testing.Ports;
import dev.ferry.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Many clients putting and deleting backends of the same few upstreams through both nodes of
 * a cluster at once: afterwards both nodes hold the same valid table and serve its listeners.
 */
class AdminStormTest {

  private static final int THREADS = 16;
  private static final int CALLS_PER_THREAD = 100;
  private static final List<String> IDS = List.of("1", "2");

  private static TestNode first;
  private static TestNode second;
  private static Map<String, Integer> upstreams;

  @BeforeAll
  static void startCluster() {
    String cluster = "ferry-test-" + java.util.UUID.randomUUID();
    first = TestNode.join(cluster, null, new JsonObject());
    second = TestNode.join(cluster, first.clusterPort,
        new JsonObject().put("listenAddr", "127.0.0.2:" + Ports.free()));
    upstreams = new TreeMap<>(Map.of("storm-tcp-a", Ports.free(), "storm-tcp-b", Ports.free(),
        "storm-http", 0));
  }

  @AfterAll
  static void stopCluster() {
    second.close();
    first.close();
  }

  private static JsonObject putBody(String name, String id, int backendPort) {
    JsonObject upstream = new JsonObject().put("name", name);
    int listen = upstreams.get(name);
    if (listen != 0) {
      upstream.put("listen", ":" + listen);
    }
    return new JsonObject().put("upstream", upstream).put("backend", new JsonObject()
        .put("id", id).put("ip", "127.0.0.1").put("port", backendPort).put("scheme", "http"));
  }

  private static String deleteBody(String name, String id) {
    return new JsonObject().put("upstream", new JsonObject().put("name", name))
        .put("backend", new JsonObject().put("id", id)).encode();
  }

  /** One client's calls; answers each status seen with how often. */
  private static Map<String, Integer> client(int number) {
    Random random = new Random(number);
    List<String> names = new ArrayList<>(upstreams.keySet());
    Map<String, Integer> seen = new TreeMap<>();
    for (int i = 0; i < CALLS_PER_THREAD; i++) {
      AdminClient admin = ((number + i) % 2 == 0 ? first : second).admin();
      String name = names.get(random.nextInt(names.size()));
      String id = IDS.get(random.nextInt(IDS.size()));
      boolean put = random.nextBoolean();
      Answer answer = put ? admin.put(putBody(name, id, 1 + random.nextInt(65535)))
          : admin.delete(deleteBody(name, id));
      String key = (put ? "PUT " : "DELETE ") + answer.status();
      if (answer.status() == 201 && !answeredWith(answer.json(), name, id)) {
        key += " without its backend";
      }
      if (answer.status() != 201 && answer.status() != 204) {
        key += " " + answer.error().replaceAll("[0-9]+", "N");
      }
      if (answer.raw().headers().firstValue("X-Ferry-Unconfirmed").isPresent()) {
        key += " unconfirmed";
      }
      seen.merge(key, 1, Integer::sum);
    }
    return seen;
  }

  private static boolean answeredWith(JsonObject upstream, String name, String id) {
    return name.equals(upstream.getString("name")) && upstream.getJsonArray("backends").stream()
        .anyMatch(b -> ((JsonObject) b).getString("id").equals(id));
  }

  private static boolean refuses(String host, int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), 2000);
      return false;
    } catch (ConnectException e) {
      return true;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  @Timeout(180)
  void concurrentPutsAndDeletesLeaveOneValidTableOnBothNodes() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    List<Future<Map<String, Integer>>> clients = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int number = t;
      clients.add(pool.submit(() -> client(number)));
    }
    Map<String, Integer> seen = new TreeMap<>();
    for (Future<Map<String, Integer>> c : clients) {
      c.get(150, TimeUnit.SECONDS).forEach((k, v) -> seen.merge(k, v, Integer::sum));
    }
    pool.shutdown();
    Set<String> allowed = Set.of("PUT 201", "DELETE 204",
        "DELETE 404 no upstream named storm-tcp-a", "DELETE 404 no upstream named storm-tcp-b",
        "DELETE 404 no upstream named storm-http");
    for (String key : seen.keySet()) {
      assertTrue(allowed.contains(key) || key.matches("DELETE 404 upstream storm-[a-z-]+ has "
          + "no backend N"), "unexpected answer " + key + " in " + seen);
    }
    assertEquals(THREADS * CALLS_PER_THREAD,
        seen.values().stream().mapToInt(Integer::intValue).sum());

    JsonArray table = TableChecks.assertValid(first.admin());
    assertEquals(table, TableChecks.assertValid(second.admin()), "the nodes' tables differ");
    for (Map.Entry<String, Integer> e : upstreams.entrySet()) {
      int port = e.getValue();
      if (port == 0) {
        continue;
      }
      boolean present = table.stream()
          .anyMatch(u -> ((JsonObject) u).getString("name").equals(e.getKey()));
      for (String host : List.of("127.0.0.1", "127.0.0.2")) {
        Eventually.poll(Duration.ofSeconds(10), () -> refuses(host, port),
            refused -> refused != present,
            host + ":" + port + (present ? " accepting" : " refusing"));
      }
    }
  }

  @Test
  @Timeout(120)
  void concurrentPutsOfNewBackendsAreAllKept() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    List<Future<Answer>> answers = Collections.synchronizedList(new ArrayList<>());
    Map<String, Integer> ports = new ConcurrentHashMap<>();
    for (int t = 0; t < THREADS; t++) {
      int number = t;
      answers.add(pool.submit(() -> {
        TestNode through = number % 2 == 0 ? first : second;
        String name = List.copyOf(upstreams.keySet()).get(number % upstreams.size());
        ports.put(name, upstreams.get(name));
        return through.admin().put(putBody(name, "p" + number, 1000 + number));
      }));
    }
    for (Future<Answer> a : answers) {
      Answer answer = a.get(60, TimeUnit.SECONDS);
      assertEquals(201, answer.status(), answer.body());
    }
    pool.shutdown();
    JsonArray table = TableChecks.assertValid(first.admin());
    assertEquals(table, TableChecks.assertValid(second.admin()));
    for (String name : ports.keySet()) {
      JsonObject u = first.admin().get("/proxy/upstreams/" + name).json();
      long mine = u.getJsonArray("backends").stream()
          .filter(b -> ((JsonObject) b).getString("id").startsWith("p")).count();
      assertTrue(mine >= THREADS / upstreams.size(), u.encode());
    }
  }
}
