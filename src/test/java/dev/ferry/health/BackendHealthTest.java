package dev.ferry.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.table.Backend;
import dev.ferry.table.RoutingTable;
import dev.ferry.table.Upstream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BackendHealthTest {

  private static final Backend A = new Backend("a", "127.0.0.1", 10_001, "http", "", 100);
  private static final Backend B = new Backend("b", "127.0.0.1", 10_002, "http", "", 100);

  private final AtomicLong now = new AtomicLong(1_000_000);
  private final BackendHealth health =
      new BackendHealth(3, Duration.ofSeconds(10), now::get);

  private boolean takesClients(BackendHealth h, Backend backend) {
    var taking = h.takingClients("app");
    return taking == null || taking.test(backend);
  }

  private void fail(Backend backend, int times) {
    for (int i = 0; i < times; i++) {
      health.failed("app", backend);
    }
  }

  @Test
  void everyBackendTakesClientsBeforeAnyFailure() {
    assertNull(health.takingClients("app"));
    assertEquals("unchecked", health.status("app", "a"));
  }

  @Test
  void threeFailuresInARowEjectTheBackendForTheEjectionTime() {
    fail(A, 2);
    assertTrue(takesClients(health, A));

    fail(A, 1);

    assertFalse(takesClients(health, A));
    assertTrue(takesClients(health, B));
    assertEquals("ejected", health.status("app", "a"));
    now.addAndGet(9_999);
    assertFalse(takesClients(health, A));
    now.addAndGet(1);
    assertTrue(takesClients(health, A));
    assertEquals("unchecked", health.status("app", "a"));
  }

  @Test
  void aSuccessBetweenFailuresStartsTheCountAgain() {
    fail(A, 2);
    health.succeeded("app", A);
    fail(A, 2);

    assertTrue(takesClients(health, A));
  }

  @Test
  void afterTheEjectionOneFailureEjectsAgainAndOneSuccessRestores() {
    fail(A, 3);
    now.addAndGet(10_000);

    fail(A, 1);
    assertFalse(takesClients(health, A));

    now.addAndGet(10_000);
    health.succeeded("app", A);
    fail(A, 2);
    assertTrue(takesClients(health, A));
  }

  @Test
  void aSuccessEndsAnEjectionAtOnce() {
    fail(A, 3);

    health.succeeded("app", A);

    assertTrue(takesClients(health, A));
  }

  @Test
  void limitZeroNeverEjects() {
    BackendHealth off = new BackendHealth(0, Duration.ofSeconds(10), now::get);
    for (int i = 0; i < 10; i++) {
      off.failed("app", A);
    }
    assertTrue(takesClients(off, A));
  }

  @Test
  void firstPassingCheckMarksTheBackendUp() {
    health.checked("app", A, null, 2, 3);
    assertEquals("up", health.status("app", "a"));
  }

  @Test
  void unhealthyFailuresInARowTakeItDownAndHealthyPassesBringItBack() {
    health.checked("app", A, null, 2, 3);
    health.checked("app", A, "answered 500", 2, 3);
    health.checked("app", A, "answered 500", 2, 3);
    assertEquals("up", health.status("app", "a"));

    health.checked("app", A, "answered 500", 2, 3);
    assertEquals("down", health.status("app", "a"));
    assertFalse(takesClients(health, A));

    health.checked("app", A, null, 2, 3);
    assertEquals("down", health.status("app", "a"));
    health.checked("app", A, null, 2, 3);
    assertEquals("up", health.status("app", "a"));
    assertTrue(takesClients(health, A));
  }

  @Test
  void aPassBetweenFailuresKeepsTheBackendUp() {
    for (int i = 0; i < 5; i++) {
      health.checked("app", A, "answered 503", 2, 2);
      health.checked("app", A, null, 2, 2);
    }
    assertEquals("up", health.status("app", "a"));
  }

  @Test
  void downOutranksEjected() {
    health.checked("app", A, "refused", 1, 1);
    fail(A, 3);
    assertEquals("down", health.status("app", "a"));

    health.checked("app", A, null, 1, 1);
    assertEquals("ejected", health.status("app", "a"));
  }

  @Test
  void uncheckForgetsTheVerdicts() {
    health.checked("app", A, "refused", 1, 1);

    health.uncheck("app");

    assertEquals("unchecked", health.status("app", "a"));
    assertTrue(takesClients(health, A));
  }

  @Test
  void retainForgetsBackendsThatLeftOrMoved() {
    fail(A, 3);
    fail(B, 3);
    Backend movedB = new Backend("b", "127.0.0.2", 10_002, "http", "", 100);

    health.retain(RoutingTable.of(List.of(
        new Upstream("app", "", "", true, List.of(movedB), 2))));

    assertTrue(takesClients(health, A));
    assertTrue(takesClients(health, movedB));
    assertEquals("unchecked", health.status("app", "a"));

    fail(A, 3);
    health.retain(RoutingTable.EMPTY);
    assertNull(health.takingClients("app"));
  }
}
