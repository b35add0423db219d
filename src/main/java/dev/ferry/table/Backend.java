package dev.ferry.table;

import io.vertx.core.json.JsonObject;

/**
 * One server of an upstream. {@code scheme} is {@code http}, {@code https}, or empty until the
 * proxy has found out which one the server speaks.
 */
public record Backend(String id, String ip, int port, String scheme, String version, int weight) {

  public static final int DEFAULT_WEIGHT = 100;
  public static final int MAX_WEIGHT = 1000;

  public Backend withScheme(String newScheme) {
    return new Backend(id, ip, port, newScheme, version, weight);
  }

  public boolean sameAddress(Backend other) {
    return ip.equals(other.ip) && port == other.port;
  }

  /** The address as a URL host part: IPv6 literals in brackets. */
  public String hostPort() {
    return (ip.contains(":") ? "[" + ip + "]" : ip) + ":" + port;
  }

  /** The stored and published form; the field name {@code weihgt} is kept from the older API. */
  public JsonObject toJson() {
    return new JsonObject()
        .put("id", id)
        .put("ip", ip)
        .put("port", port)
        .put("scheme", scheme)
        .put("version", version)
        .put("weihgt", weight);
  }

  /** Reads the stored form, which is always valid because only the admin API writes it. */
  public static Backend fromJson(JsonObject json) {
    return new Backend(json.getString("id"), json.getString("ip"), json.getInteger("port"),
        json.getString("scheme", ""), json.getString("version", ""),
        json.getInteger("weihgt", DEFAULT_WEIGHT));
  }
}
