package dev.ferry.admin;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The operator dashboard: one page and its script and style sheet, read from the jar once. The
 * page needs no token to load; it asks for one and sends it with every API call it makes.
 */
final class Dashboard {

  private static final String ROOT = "dashboard/";
  private static final Map<String, String> TYPES = Map.of(
      "index.html", "text/html; charset=utf-8",
      "app.js", "text/javascript; charset=utf-8",
      "style.css", "text/css; charset=utf-8");
  private static final String POLICY = "default-src 'none'; script-src 'self'; "
      + "style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; "
      + "form-action 'none'; frame-ancestors 'none'";

  private final Map<String, Buffer> files;

  private Dashboard(Map<String, Buffer> files) {
    this.files = files;
  }

  static Dashboard load() {
    return new Dashboard(Map.of(
        "index.html", read("index.html"),
        "app.js", read("app.js"),
        "style.css", read("style.css")));
  }

  /** Routes {@code /} and {@code /dashboard/<file>}; to be mounted before the token check. */
  void mount(RouteMethods routes) {
    routes.read("/").handler(ctx -> serve(ctx, "index.html"));
    routes.read("/dashboard/:file").handler(ctx -> {
      String file = ctx.pathParam("file");
      if (files.containsKey(file)) {
        serve(ctx, file);
      } else {
        ctx.next();
      }
    });
  }

  private void serve(RoutingContext ctx, String file) {
    ctx.response()
        .putHeader("content-type", TYPES.get(file))
        .putHeader("cache-control", "no-cache")
        .putHeader("x-content-type-options", "nosniff")
        .putHeader("referrer-policy", "no-referrer")
        .putHeader("content-security-policy", POLICY)
        .end(files.get(file));
  }

  private static Buffer read(String file) {
    try (InputStream in = Dashboard.class.getClassLoader().getResourceAsStream(ROOT + file)) {
      if (in == null) {
        throw new IllegalStateException("the jar lacks " + ROOT + file);
      }
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
