package dev.ferry.admin;

import io.vertx.core.json.JsonObject;

/** A refused admin call: its status and the sentence that says what is wrong. */
final class ApiError extends RuntimeException {

  final int status;

  ApiError(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  JsonObject toJson() {
    return new JsonObject().put("error", getMessage());
  }
}
