package dev.ferry.cluster;

import dev.ferry.table.Change;
import dev.ferry.table.UpstreamTable;
import dev.ferry.tcp.ListenerSync;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import java.util.ArrayList;
import java.util.List;

/**
 * Lets the node that made a change wait until every live node's snapshot holds it: each node
 * answers on its own address once its table has applied the change and its TCP listeners
 * follow the table.
 */
public final class ChangeConfirmations {

  private static final String ADDRESS = "ferry.applied.";

  private final Vertx vertx;
  private final ClusterManager cluster;
  private final UpstreamTable table;
  private final ListenerSync listeners;
  private MessageConsumer<JsonObject> consumer;

  public ChangeConfirmations(Vertx vertx, ClusterManager cluster, UpstreamTable table,
      ListenerSync listeners) {
    this.vertx = vertx;
    this.cluster = cluster;
    this.table = table;
    this.listeners = listeners;
  }

  /** This node holds the change and its TCP listeners follow it. */
  private Future<Void> applied(Change change, long waitMillis) {
    long deadline = System.currentTimeMillis() + waitMillis;
    return table.awaitApplied(change, waitMillis).compose(v -> listeners.await(
        table.generation(), Math.max(1, deadline - System.currentTimeMillis())));
  }

  public Future<Void> start() {
    consumer = vertx.eventBus().consumer(ADDRESS + cluster.getNodeId(), msg -> {
      JsonObject body = msg.body();
      applied(Change.fromJson(body.getJsonObject("change")), body.getLong("wait"))
          .onSuccess(v -> msg.reply("applied"))
          .onFailure(err -> msg.fail(504, err.getMessage()));
    });
    return consumer.completion();
  }

  public Future<Void> stop() {
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }

  /**
   * Completes, within about {@code waitMillis}, with the ids of the live nodes that did not
   * confirm the change; empty when every node did.
   */
  public Future<List<String>> confirm(Change change, long waitMillis) {
    List<String> nodes = cluster.getNodes();
    List<Future<String>> answers = new ArrayList<>();
    JsonObject request = new JsonObject().put("change", change.toJson()).put("wait", waitMillis);
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(waitMillis + 250);
    for (String node : nodes) {
      Future<String> answer = node.equals(cluster.getNodeId())
          ? applied(change, waitMillis).map((String) null)
          : vertx.eventBus().request(ADDRESS + node, request, options).map((String) null);
      answers.add(answer.otherwise(node));
    }
    return Future.join(answers).map(all -> {
      List<String> missing = new ArrayList<>();
      for (Future<String> answer : answers) {
        if (answer.result() != null) {
          missing.add(answer.result());
        }
      }
      return missing;
    });
  }
}
