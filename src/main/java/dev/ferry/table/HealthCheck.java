package dev.ferry.table;

import dev.ferry.config.Durations;
import io.vertx.core.json.JsonObject;
import java.time.Duration;

/**
 * The active health check of an upstream's backends: every {@code interval}, each node asks each
 * backend ({@code http}: a GET of {@code path} answered 2xx or 3xx; {@code tcp}: a connection)
 * and waits at most {@code timeout}. {@code unhealthy} failures in a row take a backend down,
 * {@code healthy} passes in a row bring it back. {@code path} is empty for {@code tcp}.
 */
public record HealthCheck(String type, String path, Duration interval, Duration timeout,
    int healthy, int unhealthy) {

  public static final String HTTP = "http";
  public static final String TCP = "tcp";

  public boolean http() {
    return type.equals(HTTP);
  }

  /** The stored and published form; durations are written as they are read. */
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("type", type);
    if (http()) {
      json.put("path", path);
    }
    return json
        .put("interval", format(interval))
        .put("timeout", format(timeout))
        .put("healthy", healthy)
        .put("unhealthy", unhealthy);
  }

  /** Reads the stored form, which is always valid because only the admin API writes it. */
  public static HealthCheck fromJson(JsonObject json) {
    String type = json.getString("type");
    return new HealthCheck(type, json.getString("path", ""),
        Durations.parse("interval", json.getString("interval")),
        Durations.parse("timeout", json.getString("timeout")),
        json.getInteger("healthy"), json.getInteger("unhealthy"));
  }

  private static String format(Duration d) {
    long millis = d.toMillis();
    return millis < 1000 ? millis + "ms" : Durations.format(d);
  }
}
