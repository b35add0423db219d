package dev.ferry.balance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.ferry.table.Backend;
import dev.ferry.table.Upstream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class BalancerTest {

  private static Upstream upstream(int... weights) {
    List<Backend> backends = new ArrayList<>();
    for (int i = 0; i < weights.length; i++) {
      String id = String.valueOf((char) ('a' + i));
      backends.add(new Backend(id, "127.0.0.1", 10_000 + i, "http", "", weights[i]));
    }
    return new Upstream("app", "", "", true, backends, 1);
  }

  private static String picks(Balancer balancer, int count, List<String> excluded) {
    return picks(balancer, count, excluded, null);
  }

  private static String picks(Balancer balancer, int count, List<String> excluded,
      Predicate<Backend> usable) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < count; i++) {
      Backend b = balancer.next(excluded, usable);
      out.append(b == null ? "-" : b.id());
    }
    return out.toString();
  }

  @Test
  void weightsFiveOneOneGiveTheSmoothOrderInEachRoundOfSeven() {
    Balancer balancer = new Balancer(upstream(5, 1, 1));
    assertEquals("aabacaa".repeat(3), picks(balancer, 21, null));
  }

  @Test
  void weightsThreeOneInterleaveTheLighterBackend() {
    Balancer balancer = new Balancer(upstream(300, 100));
    assertEquals("aaba".repeat(4), picks(balancer, 16, null));
  }

  @Test
  void equalWeightsAlternate() {
    Balancer balancer = new Balancer(upstream(100, 100, 100));
    assertEquals("abcabcabc", picks(balancer, 9, null));
  }

  @Test
  void backendOfWeightZeroIsNeverPicked() {
    Balancer balancer = new Balancer(upstream(0, 100, 0, 50));
    String order = picks(balancer, 30, null);
    assertEquals(20, order.chars().filter(c -> c == 'b').count(), order);
    assertEquals(10, order.chars().filter(c -> c == 'd').count(), order);
  }

  @Test
  void excludedBackendsAreSkippedAndTheRestKeepTheirShares() {
    Balancer balancer = new Balancer(upstream(5, 1, 1));
    assertEquals("bcbcbc", picks(balancer, 6, List.of("a")));
    assertEquals("bbbb", picks(balancer, 4, List.of("a", "c")));
  }

  @Test
  void nullWhenEveryBackendIsExcludedOrWeighsZero() {
    assertNull(new Balancer(upstream(100, 100)).next(List.of("a", "b")));
    assertNull(new Balancer(upstream(0, 0)).next(null));
    assertNull(new Balancer(upstream(0, 100)).next(List.of("b")));
    assertNull(new Balancer(upstream()).next(null));
  }

  @Test
  void unusableBackendsAreSkippedAndTheOthersKeepTheirOrder() {
    Balancer balancer = new Balancer(upstream(100, 100, 100));
    assertEquals("ac".repeat(3), picks(balancer, 6, null, b -> !b.id().equals("b")));
    assertEquals("-", picks(balancer, 1, null, b -> false));
    assertEquals("c", picks(balancer, 1, List.of("a"), b -> !b.id().equals("b")));
  }
}
