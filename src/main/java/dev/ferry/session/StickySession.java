package dev.ferry.session;

import io.vertx.core.json.JsonObject;

/** The backend a client IP sticks to within an upstream, and when that was last used. */
public record StickySession(String upstream, String clientIp, String backendId, long updatedAt) {

  String key() {
    return SessionStore.key(upstream, clientIp);
  }

  String encode() {
    return new JsonObject().put("upstream", upstream).put("ip", clientIp).put("id", backendId)
        .put("t", updatedAt).encode();
  }

  static StickySession decode(String text) {
    JsonObject json = new JsonObject(text);
    return new StickySession(json.getString("upstream"), json.getString("ip"),
        json.getString("id"), json.getLong("t"));
  }
}
