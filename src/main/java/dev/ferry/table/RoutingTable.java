package dev.ferry.table;

import java.util.Collection;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * An immutable snapshot of the upstream table with the indexes the proxies look up by. A change
 * builds a new snapshot; readers never see one half-built.
 */
public final class RoutingTable {

  public static final RoutingTable EMPTY =
      new RoutingTable(new TreeMap<>(), new HashMap<>(), new HashMap<>(), new HashMap<>());

  private final TreeMap<String, Upstream> byName;
  private final Map<String, Upstream> byLowerName;
  private final Map<String, Upstream> byAlias;
  private final Map<Integer, Upstream> byPort;

  private RoutingTable(TreeMap<String, Upstream> byName, Map<String, Upstream> byLowerName,
      Map<String, Upstream> byAlias, Map<Integer, Upstream> byPort) {
    this.byName = byName;
    this.byLowerName = byLowerName;
    this.byAlias = byAlias;
    this.byPort = byPort;
  }

  public static RoutingTable of(Collection<Upstream> upstreams) {
    RoutingTable table = EMPTY;
    for (Upstream u : upstreams) {
      table = table.with(u);
    }
    return table;
  }

  public Upstream upstream(String name) {
    return byName.get(name);
  }

  public Upstream byPort(int port) {
    return byPort.get(port);
  }

  public Collection<Upstream> upstreams() {
    return byName.values();
  }

  public Map<Integer, Upstream> listeners() {
    return byPort;
  }

  public int size() {
    return byName.size();
  }

  /**
   * The route for a request's host, already stripped of its port and lower-cased: an alias,
   * then {@code name.domain}, then {@code n.name.domain}; null when nothing matches.
   */
  public Route route(String host, String domain) {
    Upstream aliased = byAlias.get(host);
    if (aliased != null) {
      return new Route(aliased, null);
    }
    int suffix = host.length() - domain.length() - 1;
    if (suffix <= 0 || !host.endsWith(domain) || host.charAt(suffix) != '.') {
      return null;
    }
    String prefix = host.substring(0, suffix);
    int dot = prefix.indexOf('.');
    if (dot < 0) {
      Upstream u = byLowerName.get(prefix);
      return u == null ? null : new Route(u, null);
    }
    String name = prefix.substring(dot + 1);
    Upstream u = byLowerName.get(name);
    if (u == null || name.indexOf('.') >= 0) {
      return null;
    }
    String n = prefix.substring(0, dot);
    Backend pinned = u.backend(n + "-" + u.name());
    if (pinned == null) {
      pinned = u.backend(n);
    }
    return pinned == null ? null : new Route(u, pinned);
  }

  public RoutingTable with(Upstream u) {
    RoutingTable base = without(u.name());
    TreeMap<String, Upstream> names = new TreeMap<>(base.byName);
    Map<String, Upstream> lower = new HashMap<>(base.byLowerName);
    Map<String, Upstream> aliases = base.byAlias;
    Map<Integer, Upstream> ports = base.byPort;
    names.put(u.name(), u);
    lower.put(u.name().toLowerCase(Locale.ROOT), u);
    if (!u.alias().isEmpty()) {
      aliases = new HashMap<>(aliases);
      aliases.put(u.alias(), u);
    }
    if (u.listenPort() != 0) {
      ports = new HashMap<>(ports);
      ports.put(u.listenPort(), u);
    }
    return new RoutingTable(names, lower, aliases, ports);
  }

  public RoutingTable without(String name) {
    Upstream old = byName.get(name);
    if (old == null) {
      return this;
    }
    TreeMap<String, Upstream> names = new TreeMap<>(byName);
    Map<String, Upstream> lower = new HashMap<>(byLowerName);
    Map<String, Upstream> aliases = byAlias;
    Map<Integer, Upstream> ports = byPort;
    names.remove(name);
    lower.remove(name.toLowerCase(Locale.ROOT));
    if (!old.alias().isEmpty()) {
      aliases = new HashMap<>(aliases);
      aliases.remove(old.alias(), old);
    }
    if (old.listenPort() != 0) {
      ports = new HashMap<>(ports);
      ports.remove(old.listenPort(), old);
    }
    return new RoutingTable(names, lower, aliases, ports);
  }
}
