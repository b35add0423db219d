package dev.ferry.admin;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Adds the admin routes to a router and remembers the methods of each path, so that a call with
 * another method on a known path is answered 405 with {@code Allow} rather than 404.
 */
final class RouteMethods {

  private final Router router;
  private final Map<String, Set<String>> byPath = new LinkedHashMap<>();

  RouteMethods(Router router) {
    this.router = router;
  }

  /** A route that answers GET, and HEAD the same way without the body. */
  Route read(String path) {
    return on(path, HttpMethod.GET, HttpMethod.HEAD);
  }

  Route on(String path, HttpMethod... methods) {
    Route route = router.route(path);
    for (HttpMethod method : methods) {
      route.method(method);
      byPath.computeIfAbsent(path, p -> new TreeSet<>()).add(method.name());
    }
    return route;
  }

  /** The methods the routes of {@code path} take, in name order; empty when none has it. */
  Set<String> allowed(String path) {
    Set<String> methods = new TreeSet<>();
    byPath.forEach((template, those) -> {
      if (fits(template, path)) {
        methods.addAll(those);
      }
    });
    return methods;
  }

  /** Whether {@code path} fits a route path, whose {@code :name} segments fit any segment. */
  private static boolean fits(String template, String path) {
    String trimmed = path.length() > 1 && path.endsWith("/")
        ? path.substring(0, path.length() - 1) : path;
    String[] want = template.split("/", -1);
    String[] have = trimmed.split("/", -1);
    if (want.length != have.length) {
      return false;
    }
    for (int i = 0; i < want.length; i++) {
      boolean fits = want[i].startsWith(":") ? !have[i].isEmpty() : want[i].equals(have[i]);
      if (!fits) {
        return false;
      }
    }
    return true;
  }
}
