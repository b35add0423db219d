package dev.ferry.testing;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import io.vertx.core.Vertx;

/**
 * A test class's fixture: one Ferry node on its defaults, its admin client, and a Vert.x
 * instance for the class's clients and backends, started before its tests and stopped after.
 */
public abstract class OneNode {

  protected static TestNode node;
  protected static AdminClient admin;
  protected static Vertx vertx;

  @BeforeAll
  static void startNode() {
    node = TestNode.start();
    admin = node.admin();
    vertx = Backends.vertx();
  }

  @AfterAll
  static void stopNode() {
    node.close();
    Backends.await(vertx.close());
  }
}
