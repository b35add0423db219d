package dev.ferry.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.ferry.testing.TestNode;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The periodic comparison with the cluster map takes the map as the truth, also where this
 * node saw a revision that the map no longer has, as after a network partition healed.
 */
class ReconcileTest {

  private static TestNode node;

  @BeforeAll
  static void start() {
    node = TestNode.start();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void upstreamThisNodeWronglyDroppedComesBackFromTheMap() throws Exception {
    node.admin().putBackend("dropped", "1", 8001);
    UpstreamTable table = node.node.table();
    Upstream stored = table.snapshot().upstream("dropped");
    table.applyRemove(stored);
    assertNull(table.snapshot().upstream("dropped"));

    table.reconcile().await(10, TimeUnit.SECONDS);

    assertNotNull(table.snapshot().upstream("dropped"));
    assertEquals(stored.revision(), table.snapshot().upstream("dropped").revision());
  }

  @Test
  void olderStoredValueReplacesANewerLocalOne() throws Exception {
    node.admin().putBackend("older", "1", 8001);
    UpstreamTable table = node.node.table();
    Upstream stored = table.snapshot().upstream("older");
    Upstream diverged = stored.withBackend(
        new Backend("2", "127.0.0.1", 8002, "http", "", 100), stored.revision() + 1000);
    table.applyPut(diverged);
    assertEquals(2, table.snapshot().upstream("older").backends().size());

    table.reconcile().await(10, TimeUnit.SECONDS);

    assertEquals(1, table.snapshot().upstream("older").backends().size());
  }

  @Test
  void upstreamTheMapLacksIsDropped() throws Exception {
    UpstreamTable table = node.node.table();
    table.applyPut(new Upstream("phantom", "", "", true,
        java.util.List.of(new Backend("1", "127.0.0.1", 8001, "http", "", 100)), 1));
    assertNotNull(table.snapshot().upstream("phantom"));

    table.reconcile().await(10, TimeUnit.SECONDS);

    assertNull(table.snapshot().upstream("phantom"));
  }
}
