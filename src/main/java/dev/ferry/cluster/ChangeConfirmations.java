package dev.ferry.cluster;

import dev.ferry.table.Change;
import dev.ferry.table.Upstream;
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
 * follow the table, and says whether it could open the changed upstream's listener.
 */
public final class ChangeConfirmations {

  private static final String ADDRESS = "ferry.applied.";

  private final Vertx vertx;
  private final ClusterManager cluster;
  private final UpstreamTable table;
  private final ListenerSync listeners;
  private final String self;
  private MessageConsumer<JsonObject> consumer;

  /**
   * What the live nodes answered: the ids of those that did not confirm in time, and a sentence
   * for each node that holds the change but could not open the upstream's listener.
   */
  public record Confirmation(List<String> missing, List<String> listenerFailures) {
  }

  /** {@code self} names this node in the sentences other nodes show their users. */
  public ChangeConfirmations(Vertx vertx, ClusterManager cluster, UpstreamTable table,
      ListenerSync listeners, String self) {
    this.vertx = vertx;
    this.cluster = cluster;
    this.table = table;
    this.listeners = listeners;
    this.self = self;
  }

  /**
   * This node holds the change and its TCP listeners follow it. Answers why the changed
   * upstream's listener could not be opened here, or null.
   */
  private Future<String> applied(Change change, long waitMillis) {
    long deadline = System.currentTimeMillis() + waitMillis;
    return table.awaitApplied(change, waitMillis)
        .compose(v -> listeners.await(table.generation(),
            Math.max(1, deadline - System.currentTimeMillis())))
        .map(v -> listenerFailure(change));
  }

  private String listenerFailure(Change change) {
    Upstream u = change.removed() ? null : table.snapshot().upstream(change.name());
    if (u == null || u.listenPort() == 0) {
      return null;
    }
    String why = listeners.failure(u.listenPort());
    return why == null ? null
        : "port " + u.listenPort() + " cannot be opened on " + self + ": " + why;
  }

  public Future<Void> start() {
    consumer = vertx.eventBus().consumer(ADDRESS + cluster.getNodeId(), msg -> {
      JsonObject body = msg.body();
      applied(Change.fromJson(body.getJsonObject("change")), body.getLong("wait"))
          .onSuccess(failure -> msg.reply(new JsonObject().put("listenerFailure", failure)))
          .onFailure(err -> msg.fail(504, err.getMessage()));
    });
    return consumer.completion();
  }

  public Future<Void> stop() {
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }

  /** Completes, within about {@code waitMillis}, with what the live nodes answered. */
  public Future<Confirmation> confirm(Change change, long waitMillis) {
    List<String> nodes = cluster.getNodes();
    List<Future<Answer>> answers = new ArrayList<>();
    JsonObject request = new JsonObject().put("change", change.toJson()).put("wait", waitMillis);
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(waitMillis + 250);
    for (String node : nodes) {
      Future<String> failure = node.equals(cluster.getNodeId())
          ? applied(change, waitMillis)
          : vertx.eventBus().request(ADDRESS + node, request, options)
              .map(reply -> reply.body() instanceof JsonObject json
                  ? json.getString("listenerFailure") : null);
      answers.add(failure.map(why -> new Answer(null, why))
          .otherwise(new Answer(node, null)));
    }
    return Future.join(answers).map(all -> {
      List<String> missing = new ArrayList<>();
      List<String> failures = new ArrayList<>();
      for (Future<Answer> answer : answers) {
        if (answer.result().missing() != null) {
          missing.add(answer.result().missing());
        }
        if (answer.result().listenerFailure() != null) {
          failures.add(answer.result().listenerFailure());
        }
      }
      return new Confirmation(missing, failures);
    });
  }

  private record Answer(String missing, String listenerFailure) {
  }
}
