package dev.ferry.table;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * An application and its backends. {@code listen} is {@code :port} of its TCP listener or empty;
 * {@code healthCheck} is null when the backends are not checked actively; {@code revision}
 * orders the versions of one upstream across the cluster.
 */
public record Upstream(
    String name, String alias, String listen, boolean sticky, List<Backend> backends,
    HealthCheck healthCheck, long revision) {

  public Upstream {
    backends = List.copyOf(backends);
  }

  /** An upstream without an active health check. */
  public Upstream(String name, String alias, String listen, boolean sticky,
      List<Backend> backends, long revision) {
    this(name, alias, listen, sticky, backends, null, revision);
  }

  public Backend backend(String id) {
    for (Backend b : backends) {
      if (b.id().equals(id)) {
        return b;
      }
    }
    return null;
  }

  /** The TCP port, or 0 when the upstream has no listener. */
  public int listenPort() {
    return listen.isEmpty() ? 0 : Integer.parseInt(listen.substring(1));
  }

  /** This upstream with the backend added, or replacing the one with its id. */
  public Upstream withBackend(Backend backend, long newRevision) {
    List<Backend> list = new ArrayList<>(backends);
    int at = indexOf(backend.id());
    if (at < 0) {
      list.add(backend);
    } else {
      list.set(at, backend);
    }
    return new Upstream(name, alias, listen, sticky, list, healthCheck, newRevision);
  }

  public Upstream withoutBackend(String id, long newRevision) {
    List<Backend> list = new ArrayList<>(backends);
    list.removeIf(b -> b.id().equals(id));
    return new Upstream(name, alias, listen, sticky, list, healthCheck, newRevision);
  }

  public Upstream withSettings(String newAlias, boolean newSticky, HealthCheck newHealthCheck,
      long newRevision) {
    return new Upstream(name, newAlias, listen, newSticky, backends, newHealthCheck, newRevision);
  }

  private int indexOf(String id) {
    for (int i = 0; i < backends.size(); i++) {
      if (backends.get(i).id().equals(id)) {
        return i;
      }
    }
    return -1;
  }

  /** The form the admin API answers with. */
  public JsonObject toJson() {
    JsonArray list = new JsonArray();
    backends.forEach(b -> list.add(b.toJson()));
    JsonObject json = new JsonObject()
        .put("name", name)
        .put("alias", alias)
        .put("listen", listen)
        .put("sticky", sticky);
    if (healthCheck != null) {
      json.put("healthCheck", healthCheck.toJson());
    }
    return json.put("backends", list);
  }

  /** The form kept in the state file: the public form and the revision. */
  public String toStored() {
    return toJson().put("revision", revision).encode();
  }

  /** The form kept in the cluster map: also names the node that wrote it, for the logs. */
  public String toStored(String by) {
    return toJson().put("revision", revision).put("by", by).encode();
  }

  /** The node that wrote a stored upstream, or null when unknown. */
  public static String writerOf(String stored) {
    return new JsonObject(stored).getString("by");
  }

  public static Upstream fromStored(String text) {
    JsonObject json = new JsonObject(text);
    List<Backend> list = new ArrayList<>();
    for (Object item : json.getJsonArray("backends")) {
      list.add(Backend.fromJson((JsonObject) item));
    }
    JsonObject check = json.getJsonObject("healthCheck");
    return new Upstream(json.getString("name"), json.getString("alias", ""),
        json.getString("listen", ""), json.getBoolean("sticky", true), list,
        check == null ? null : HealthCheck.fromJson(check), json.getLong("revision", 0L));
  }
}
