package dev.ferry.admin;

import dev.ferry.table.Upstream;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Collection;
import java.util.Locale;
import java.util.function.Function;

/**
 * A page of the upstream table, in name order: those whose name, alias or listen address
 * contains {@code q} (ignoring case), from {@code offset}, at most {@code limit} of them.
 */
record UpstreamPage(String query, int offset, int limit) {

  static final int DEFAULT_LIMIT = 100;
  static final int MAX_LIMIT = 1000;
  static final int MAX_QUERY = 253;

  /** Whether the call asked for a page rather than the plain list. */
  static boolean asked(QueryParams params) {
    return params.has("q") || params.has("offset") || params.has("limit");
  }

  static UpstreamPage from(QueryParams params) {
    String q = params.text("q");
    if (q != null && q.length() > MAX_QUERY) {
      throw new ApiError(400, "q must be at most " + MAX_QUERY + " characters");
    }
    int offset = params.number("offset", 0, Integer.MAX_VALUE, 0);
    int limit = params.number("limit", 1, MAX_LIMIT, DEFAULT_LIMIT);
    return new UpstreamPage(q == null ? "" : q.toLowerCase(Locale.ROOT), offset, limit);
  }

  /** The page of {@code upstreams}, each written by {@code render}. */
  JsonObject answer(Collection<Upstream> upstreams, Function<Upstream, JsonObject> render) {
    JsonArray page = new JsonArray();
    int total = 0;
    for (Upstream u : upstreams) {
      if (!matches(u)) {
        continue;
      }
      if (total >= offset && page.size() < limit) {
        page.add(render.apply(u));
      }
      total++;
    }
    return new JsonObject().put("total", total).put("offset", offset).put("upstreams", page);
  }

  private boolean matches(Upstream u) {
    return query.isEmpty() || u.name().toLowerCase(Locale.ROOT).contains(query)
        || u.alias().contains(query) || u.listen().contains(query);
  }
}
