package dev.ferry.stats;

import dev.ferry.config.Durations;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The counters of every node, asked of each node's {@link StatsVerticle} over the event bus,
 * and their sums. A node that does not answer in time is listed with an error.
 */
public final class ClusterStats {

  private ClusterStats() {
  }

  /**
   * Asks every node; {@code onlyUpstreams}, when not null, names the upstreams whose counters
   * the answers include.
   */
  public static Future<JsonObject> gather(Vertx vertx, ClusterManager cluster, long waitMillis,
      JsonArray onlyUpstreams) {
    List<String> nodes = cluster.getNodes();
    JsonObject query = new JsonObject().put("only", onlyUpstreams);
    List<Future<JsonObject>> answers = new ArrayList<>();
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(waitMillis);
    for (String node : nodes) {
      answers.add(vertx.eventBus()
          .<JsonObject>request(StatsVerticle.NODE_QUERY + node, query, options)
          .map(reply -> reply.body()));
    }
    return Future.join(answers).transform(ignored -> {
      JsonObject byNode = new JsonObject();
      JsonObject sum = new JsonObject();
      for (int i = 0; i < nodes.size(); i++) {
        Future<JsonObject> answer = answers.get(i);
        if (answer.succeeded()) {
          byNode.put(nodes.get(i), answer.result());
          add(sum, answer.result().getJsonObject("counter"));
          addListeners(sum, answer.result().getJsonObject("tcpd"));
        } else {
          byNode.put(nodes.get(i), new JsonObject().put("error",
              "node did not answer within " + waitMillis + " ms"));
        }
      }
      return Future.succeededFuture(new JsonObject().put("nodes", byNode).put("sum", sum));
    });
  }

  /**
   * Adds numbers field by field, keeps the longest uptime, and descends into objects. A
   * backend's health is each node's own view, so the sum leaves it out.
   */
  static void add(JsonObject into, JsonObject from) {
    if (from == null) {
      return;
    }
    for (String key : from.fieldNames()) {
      if (key.equals("health")) {
        continue;
      }
      Object value = from.getValue(key);
      Object current = into.getValue(key);
      if (value instanceof JsonObject object) {
        JsonObject target = current instanceof JsonObject c ? c : new JsonObject();
        into.put(key, target);
        add(target, object);
      } else if (value instanceof Number n) {
        if (n instanceof Double || current instanceof Double) {
          double total = n.doubleValue() + (current == null ? 0 : ((Number) current).doubleValue());
          into.put(key, Math.round(total * 100) / 100.0);
        } else {
          into.put(key, n.longValue() + (current == null ? 0 : ((Number) current).longValue()));
        }
      } else if (key.equals("uptime")) {
        into.put(key, longer((String) current, (String) value));
      } else if (value instanceof Boolean b) {
        into.put(key, b || Boolean.TRUE.equals(current));
      } else {
        into.put(key, value);
      }
    }
  }

  private static void addListeners(JsonObject sum, JsonObject tcpd) {
    JsonObject target = sum.getJsonObject("tcpd");
    if (target == null) {
      target = new JsonObject();
      sum.put("tcpd", target);
    }
    add(target, tcpd);
  }

  private static String longer(String a, String b) {
    if (a == null) {
      return b;
    }
    Duration da = Durations.parse("uptime", a);
    Duration db = Durations.parse("uptime", b);
    return da.compareTo(db) >= 0 ? a : b;
  }
}
