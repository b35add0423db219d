package dev.ferry.logging;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * One HTTP request or one TCP connection as the access log records it. {@code upstream} and
 * {@code backend} are null when none was found; a TCP connection has method {@code TCP}, its
 * listener as path and no status (0).
 */
public record AccessEntry(long epochMillis, String client, String upstream, String backend,
    String method, String path, int status, long bytesIn, long bytesOut, long durationMillis) {

  /** Fields separated by one space, {@code -} for an empty one, the path percent-escaped. */
  public String toText() {
    return Instant.ofEpochMilli(epochMillis) + " " + client + " " + dash(upstream) + " "
        + dash(backend) + " " + dash(method) + " " + dash(escape(path)) + " "
        + (status == 0 ? "-" : Integer.toString(status)) + " " + bytesIn + " " + bytesOut + " "
        + durationMillis + "ms";
  }

  public String toJson() {
    JsonObject json = new JsonObject()
        .put("time", Instant.ofEpochMilli(epochMillis).toString())
        .put("client", client)
        .put("upstream", upstream)
        .put("backend", backend)
        .put("method", method)
        .put("path", path)
        .put("status", status == 0 ? null : status)
        .put("bytes_in", bytesIn)
        .put("bytes_out", bytesOut)
        .put("duration_ms", durationMillis);
    return json.encode();
  }

  private static String dash(String value) {
    return value == null || value.isEmpty() ? "-" : value;
  }

  /** Keeps one entry on one line with space-separated fields whatever the client sent. */
  private static String escape(String path) {
    if (path == null) {
      return null;
    }
    StringBuilder out = null;
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c <= ' ' || c == 0x7f) {
        if (out == null) {
          out = new StringBuilder(path.length() + 8).append(path, 0, i);
        }
        out.append('%').append(Character.forDigit(c >> 4, 16))
            .append(Character.forDigit(c & 15, 16));
      } else if (out != null) {
        out.append(c);
      }
    }
    return out == null ? path : out.toString();
  }
}
