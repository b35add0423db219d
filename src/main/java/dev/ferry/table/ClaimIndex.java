package dev.ferry.table;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which upstream holds each lower-case name, alias and TCP port, in a cluster map beside the
 * table, so that a write checks its conflicts with a few lookups instead of reading the whole
 * table. An entry can be stale after a node died between two writes; callers confirm a claim
 * against the upstream it names before trusting it.
 */
final class ClaimIndex {

  enum Kind { NAME, ALIAS, PORT }

  /** {@code holder} claims {@code value} of this kind. */
  record Claim(Kind kind, String value, String holder) {

    boolean heldBy(Upstream u) {
      return switch (kind) {
        case NAME -> u.name().toLowerCase(Locale.ROOT).equals(value);
        case ALIAS -> u.alias().equals(value);
        case PORT -> Integer.toString(u.listenPort()).equals(value);
      };
    }
  }

  private final IMap<String, String> map;

  ClaimIndex(HazelcastInstance hazelcast) {
    this.map = hazelcast.getMap("ferry.claims");
  }

  private static String key(Kind kind, String value) {
    return kind.name().toLowerCase(Locale.ROOT) + "/" + value;
  }

  /** The claims other upstreams hold on this name, alias and port (0: none). Blocking. */
  List<Claim> holders(String name, String alias, int port) {
    Map<String, Claim> wanted = new HashMap<>();
    String lower = name.toLowerCase(Locale.ROOT);
    wanted.put(key(Kind.NAME, lower), new Claim(Kind.NAME, lower, null));
    if (!alias.isEmpty()) {
      wanted.put(key(Kind.ALIAS, alias), new Claim(Kind.ALIAS, alias, null));
    }
    if (port != 0) {
      wanted.put(key(Kind.PORT, Integer.toString(port)),
          new Claim(Kind.PORT, Integer.toString(port), null));
    }
    List<Claim> held = new ArrayList<>();
    map.getAll(wanted.keySet()).forEach((key, holder) -> {
      if (!holder.equals(name)) {
        Claim claim = wanted.get(key);
        held.add(new Claim(claim.kind(), claim.value(), holder));
      }
    });
    return held;
  }

  /** Records the claims of {@code updated}, and drops those of {@code before} it gave up. */
  void claim(Upstream updated, Upstream before) {
    Map<String, String> now = new HashMap<>();
    keys(updated).forEach(k -> now.put(k, updated.name()));
    map.setAll(now);
    if (before != null) {
      for (String old : keys(before)) {
        if (!now.containsKey(old)) {
          map.remove(old, before.name());
        }
      }
    }
  }

  /** Drops the claims of an upstream that is gone. */
  void release(Upstream gone) {
    for (String key : keys(gone)) {
      map.remove(key, gone.name());
    }
  }

  private static Set<String> keys(Upstream u) {
    Set<String> keys = new LinkedHashSet<>();
    keys.add(key(Kind.NAME, u.name().toLowerCase(Locale.ROOT)));
    if (!u.alias().isEmpty()) {
      keys.add(key(Kind.ALIAS, u.alias()));
    }
    if (u.listenPort() != 0) {
      keys.add(key(Kind.PORT, Integer.toString(u.listenPort())));
    }
    return keys;
  }
}
