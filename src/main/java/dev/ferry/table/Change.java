package dev.ferry.table;

import io.vertx.core.json.JsonObject;

/** One applied write to the table: the upstream's new revision, or its removal at a revision. */
public record Change(String name, long revision, boolean removed) {

  public JsonObject toJson() {
    return new JsonObject().put("name", name).put("revision", revision).put("removed", removed);
  }

  public static Change fromJson(JsonObject json) {
    return new Change(json.getString("name"), json.getLong("revision"),
        json.getBoolean("removed"));
  }
}
