package dev.ferry.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.config.HostNames;
import dev.ferry.testing.AdminClient;
import dev.ferry.testing.Eventually;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;

/** What must hold of a node's upstream table whatever was done to the admin API. */
final class TableChecks {

  private TableChecks() {
  }

  /** The listen addresses of the upstreams that have one. */
  static Set<String> listens(JsonArray table) {
    Set<String> out = new TreeSet<>();
    table.forEach(u -> {
      String listen = ((JsonObject) u).getString("listen");
      if (!listen.isEmpty()) {
        out.add(listen);
      }
    });
    return out;
  }

  /** The listeners {@code /proxy/stats} says are serving. */
  static Set<String> serving(AdminClient admin) {
    Set<String> out = new TreeSet<>();
    admin.get("/proxy/stats").json().getJsonObject("tcpd").forEach(e -> {
      if (((JsonObject) e.getValue()).getBoolean("serving")) {
        out.add(e.getKey());
      }
    });
    return out;
  }

  /**
   * Every upstream has a backend and a DNS label for a name, answers the same by name as in the
   * list, and the node serves exactly the listeners of its upstreams. Answers the table.
   */
  static JsonArray assertValid(AdminClient admin) {
    assertEquals(200, admin.get("/healthz").status());
    JsonArray table = admin.get("/proxy/upstreams").array();
    for (Object item : table) {
      JsonObject u = (JsonObject) item;
      String name = u.getString("name");
      assertTrue(HostNames.isLabel(name), "not a DNS label: " + u.encode());
      assertFalse(u.getJsonArray("backends").isEmpty(), "no backend: " + u.encode());
      String listen = u.getString("listen");
      assertTrue(listen.isEmpty() || listen.matches(":[1-9][0-9]{0,4}"), u.encode());
      AdminClient.Answer one = admin.get("/proxy/upstreams/" + name);
      assertEquals(200, one.status(), name);
      assertEquals(u, one.json(), "GET /proxy/upstreams/" + name + " differs from the list");
    }
    Set<String> expected = listens(table);
    Eventually.poll(Duration.ofSeconds(10), () -> serving(admin), expected::equals,
        "the serving listeners to be those of the upstreams " + expected);
    return table;
  }
}
