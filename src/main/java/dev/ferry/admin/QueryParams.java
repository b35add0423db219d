package dev.ferry.admin;

import io.vertx.core.MultiMap;
import java.util.List;

/** Reads optional query parameters, each given at most once; a bad one is a 400. */
final class QueryParams {

  private final MultiMap params;

  QueryParams(MultiMap params) {
    this.params = params;
  }

  boolean has(String name) {
    return params.contains(name);
  }

  /** The value of {@code name}, or null when it is absent. */
  String text(String name) {
    List<String> values = params.getAll(name);
    if (values.size() > 1) {
      throw new ApiError(400, name + " is given more than once");
    }
    return values.isEmpty() ? null : values.get(0);
  }

  /** A whole number from {@code min} to {@code max}, or {@code absent} when it is not given. */
  int number(String name, int min, int max, int absent) {
    String value = text(name);
    if (value == null) {
      return absent;
    }
    try {
      int n = Integer.parseInt(value);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException notANumber) {
      // answered below
    }
    throw new ApiError(400, name + " must be a whole number from " + min + " to " + max
        + ", not '" + value + "'");
  }

  /** {@code true} or {@code false}, or {@code absent} when it is not given. */
  boolean flag(String name, boolean absent) {
    String value = text(name);
    if (value == null) {
      return absent;
    }
    if (value.equals("true") || value.equals("false")) {
      return value.equals("true");
    }
    throw new ApiError(400, name + " must be true or false, not '" + value + "'");
  }
}
