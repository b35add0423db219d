package dev.ferry.admin;

import dev.ferry.FerryNode;
import dev.ferry.stats.ClusterStats;
import dev.ferry.stats.StatsVerticle;
import dev.ferry.cluster.ChangeConfirmations.Confirmation;
import dev.ferry.table.Change;
import dev.ferry.table.TableException;
import dev.ferry.table.Upstream;
import dev.ferry.table.Write;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * The admin REST API, {@code /healthz} and {@code /metrics}. Writes go through the cluster-wide
 * table writer and answer once every live node has applied them.
 */
public final class AdminVerticle extends VerticleBase {

  /** The largest admin request body accepted. */
  public static final long BODY_LIMIT = 64 * 1024;
  /** How long a write waits for the other nodes to confirm it. */
  public static final long CONFIRM_MILLIS = 2000;

  private static final Logger log = Logger.getLogger(AdminVerticle.class.getName());
  private static final Pattern JSON_SUFFIX =
      Pattern.compile("application/[a-z0-9][a-z0-9!#$&^_.+-]*\\+json");

  private final FerryNode node;
  private final Dashboard dashboard = Dashboard.load();
  private HttpServer server;

  public AdminVerticle(FerryNode node) {
    this.node = node;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    RouteMethods routes = new RouteMethods(router);
    router.route().handler(AdminVerticle::checkEscapes).failureHandler(this::clientGone);
    routes.read("/healthz").handler(this::health);
    dashboard.mount(routes);
    router.route().handler(this::authenticate);
    router.route("/proxy/*").handler(BodyHandler.create(false).setBodyLimit(BODY_LIMIT));
    routes.on("/proxy/upstreams", HttpMethod.PUT).handler(this::requireJson)
        .handler(this::putBackend);
    routes.on("/proxy/upstreams", HttpMethod.DELETE).handler(this::requireJson)
        .handler(this::deleteBackend);
    routes.read("/proxy/upstreams").handler(this::listUpstreams);
    routes.read("/proxy/upstreams/:name").handler(this::getUpstream);
    routes.read("/proxy/sessions").handler(this::sessions);
    routes.read("/proxy/configs").handler(ctx -> json(ctx, 200,
        node.config().toPublicJson()));
    routes.read("/proxy/stats").handler(ctx -> stats(ctx, null, null));
    routes.read("/proxy/stats/:upstream").handler(ctx -> stats(ctx,
        ctx.pathParam("upstream"), null));
    routes.read("/proxy/stats/:upstream/:backend").handler(ctx -> stats(ctx,
        ctx.pathParam("upstream"), ctx.pathParam("backend")));
    routes.read("/proxy/cluster").handler(ctx -> node.members().list()
        .onSuccess(list -> json(ctx, 200, list))
        .onFailure(ctx::fail));
    routes.read("/metrics").handler(PrometheusScrapingHandler.create(node.registryName()));
    router.route().last().handler(ctx -> noRoute(ctx, routes));
    router.errorHandler(400, ctx -> error(ctx, 400, "the request cannot be read: "
        + (ctx.failure() instanceof HttpException e && e.getPayload() != null
            ? e.getPayload() : "malformed path or query")));
    router.errorHandler(413, ctx -> error(ctx, 413, "the body is larger than "
        + BODY_LIMIT + " bytes"));
    router.errorHandler(500, this::internalError);

    server = vertx.createHttpServer(new HttpServerOptions().setHttp2ClearTextEnabled(false)
        .setHost(node.config().adminListenAddr().bindHost())
        .setPort(node.config().adminListenAddr().port()))
        .requestHandler(router);
    return server.listen().recover(err -> Future.failedFuture(new IllegalStateException(
        "adminListenAddr " + node.config().adminListenAddr() + " cannot be opened: "
            + err.getMessage())));
  }

  /**
   * Answers 400 for a path with a {@code %} that does not start an escape of two hex digits,
   * before the router, which cannot decode such a path, sees it.
   */
  private static void checkEscapes(RoutingContext ctx) {
    String path = ctx.request().path();
    for (int i = path.indexOf('%'); i >= 0; i = path.indexOf('%', i + 1)) {
      if (i + 2 >= path.length() || Character.digit(path.charAt(i + 1), 16) < 0
          || Character.digit(path.charAt(i + 2), 16) < 0) {
        error(ctx, 400, "the path " + path + " has a % that is not followed by two hex"
            + " digits; write a literal % as %25");
        return;
      }
    }
    ctx.next();
  }

  /**
   * A client that went away before its request was read or answered: there is nobody left to
   * answer, and nothing is wrong with the node.
   */
  private void clientGone(RoutingContext ctx) {
    if (ctx.failure() instanceof HttpClosedException || ctx.response().closed()) {
      log.fine("Admin call " + ctx.request().method() + " " + ctx.request().path()
          + ": the client closed the connection");
      return;
    }
    ctx.next();
  }

  /** 405 with {@code Allow} when the path has routes for other methods, else 404. */
  private static void noRoute(RoutingContext ctx, RouteMethods routes) {
    Set<String> allowed = routes.allowed(ctx.normalizedPath());
    String call = ctx.request().method() + " " + ctx.request().path();
    if (allowed.isEmpty()) {
      error(ctx, 404, "no admin route " + call);
      return;
    }
    String methods = String.join(", ", allowed);
    ctx.response().putHeader("allow", methods);
    error(ctx, 405, "method " + ctx.request().method() + " is not allowed on "
        + ctx.request().path() + "; allowed: " + methods);
  }

  private void health(RoutingContext ctx) {
    if (node.ready()) {
      json(ctx, 200, new JsonObject().put("status", "ok"));
    } else {
      error(ctx, 503, "the node is starting or stopping");
    }
  }

  private void authenticate(RoutingContext ctx) {
    String token = node.config().adminToken();
    if (token.isEmpty()) {
      ctx.next();
      return;
    }
    String header = ctx.request().getHeader("authorization");
    String given = bearerToken(header);
    if (given != null && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8),
        token.getBytes(StandardCharsets.UTF_8))) {
      ctx.next();
      return;
    }
    ctx.response().putHeader("www-authenticate", "Bearer");
    error(ctx, 401, header == null ? "this call needs Authorization: Bearer <adminToken>"
        : given == null ? "the Authorization header must say Bearer <adminToken>"
        : "the admin token is wrong");
  }

  /** The token of a {@code Bearer} header, whose scheme name is case-insensitive; else null. */
  private static String bearerToken(String header) {
    String scheme = "Bearer ";
    if (header == null || !header.regionMatches(true, 0, scheme, 0, scheme.length())) {
      return null;
    }
    return header.substring(scheme.length()).trim();
  }

  /**
   * Takes {@code application/json} and the JSON-based types {@code application/<x>+json}, with
   * any parameters; a request without Content-Type is read as JSON too, as older clients send.
   */
  private void requireJson(RoutingContext ctx) {
    String type = ctx.request().getHeader("content-type");
    String media = type == null ? "application/json"
        : type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    if (!media.equals("application/json") && !JSON_SUFFIX.matcher(media).matches()) {
      error(ctx, 415, "the body must be JSON; send Content-Type: application/json, not " + type);
      return;
    }
    ctx.next();
  }

  private void putBackend(RoutingContext ctx) {
    BackendRequest request;
    try {
      request = BackendRequest.forPut(ctx.body().asString(), node.config().domain());
    } catch (ApiError e) {
      error(ctx, e.status, e.getMessage());
      return;
    }
    node.writer().put(request.upstream(), request.backend())
        .compose(write -> confirmed(ctx, write.change())
            .compose(confirmation -> listenerOpened(ctx, write, confirmation)))
        .onSuccess(write -> json(ctx, 201, write.after().toJson()))
        .onFailure(err -> failed(ctx, err));
  }

  /**
   * Undoes a put whose new TCP listener some node could not open (a port another process
   * holds, or a privileged one), as HAProxy or NGINX would refuse to start on it, and fails
   * with the nodes and their errors once every node is back to the table as it was.
   */
  private Future<Write> listenerOpened(RoutingContext ctx, Write write,
      Confirmation confirmation) {
    List<String> failures = confirmation.listenerFailures();
    if (failures.isEmpty()) {
      return Future.succeededFuture(write);
    }
    String reasons = String.join("; ", failures);
    if (!write.opensListener()) {
      log.warning("Upstream " + write.change().name() + " changed, but its TCP listener is "
          + "not open everywhere: " + reasons);
      return Future.succeededFuture(write);
    }
    log.warning("Upstream " + write.change().name() + " removed again: " + reasons);
    return node.writer().revertListener(write)
        .compose(undone -> undone == null ? Future.succeededFuture()
            : confirmed(ctx, undone))
        .compose(v -> Future.failedFuture(new TableException(409, reasons
            + "; upstream " + write.change().name() + " was not added")));
  }
  private void deleteBackend(RoutingContext ctx) {
    BackendRequest request;
    try {
      request = BackendRequest.forDelete(ctx.body().asString());
    } catch (ApiError e) {
      error(ctx, e.status, e.getMessage());
      return;
    }
    String name = request.upstream().name();
    node.writer().remove(name, request.backendId())
        .compose(change -> node.sessions().forgetBackend(name, request.backendId())
            .map(change))
        .compose(change -> confirmed(ctx, change).map(change))
        .onSuccess(change -> ctx.response().setStatusCode(204).end())
        .onFailure(err -> failed(ctx, err));
  }

  /**
   * Waits for every live node to hold the change; names those that did not in a header. The
   * wait is recorded in {@code ferry_change_confirm_seconds}, also when it ran out.
   */
  private Future<Confirmation> confirmed(RoutingContext ctx, Change change) {
    Timer.Sample waiting = Timer.start();
    return node.confirmations().confirm(change, CONFIRM_MILLIS)
        .onComplete(ar -> waiting.stop(node.metrics().changeConfirm()))
        .map(confirmation -> {
          List<String> missing = confirmation.missing();
          if (!missing.isEmpty()) {
            log.warning("Nodes " + missing + " did not confirm the change to upstream "
                + change.name() + " within " + CONFIRM_MILLIS + " ms");
            ctx.response().putHeader("X-Ferry-Unconfirmed", String.join(",", missing));
          }
          return confirmation;
        });
  }

  private void listUpstreams(RoutingContext ctx) {
    QueryParams params = new QueryParams(ctx.queryParams());
    if (UpstreamPage.asked(params)) {
      try {
        json(ctx, 200, UpstreamPage.from(params)
            .answer(node.table().snapshot().upstreams(), this::withHealth));
      } catch (ApiError e) {
        error(ctx, e.status, e.getMessage());
      }
      return;
    }
    JsonArray list = new JsonArray();
    node.table().snapshot().upstreams().forEach(u -> list.add(withHealth(u)));
    json(ctx, 200, list);
  }

  /** The stored form with each backend's health as this node sees it. */
  private JsonObject withHealth(Upstream u) {
    JsonObject json = u.toJson();
    for (Object item : json.getJsonArray("backends")) {
      JsonObject backend = (JsonObject) item;
      backend.put("health", node.health().status(u.name(), backend.getString("id")));
    }
    return json;
  }

  private void getUpstream(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    Upstream u = node.table().snapshot().upstream(name);
    if (u == null) {
      error(ctx, 404, "no upstream named " + name);
    } else {
      json(ctx, 200, withHealth(u));
    }
  }

  private void sessions(RoutingContext ctx) {
    boolean counts;
    try {
      counts = new QueryParams(ctx.queryParams()).flag("counts", false);
    } catch (ApiError e) {
      error(ctx, e.status, e.getMessage());
      return;
    }
    json(ctx, 200, counts ? node.sessions().counts(node.table().snapshot())
        : node.sessions().toJson(node.table().snapshot()));
  }

  private void stats(RoutingContext ctx, String upstream, String backend) {
    String scope = ctx.request().getParam("scope");
    if (scope != null && !scope.equals("node") && !scope.equals("cluster")) {
      error(ctx, 400, "scope must be node or cluster, not " + scope);
      return;
    }
    JsonArray only;
    try {
      only = onlyUpstreams(new QueryParams(ctx.queryParams()), upstream);
    } catch (ApiError e) {
      error(ctx, e.status, e.getMessage());
      return;
    }
    if ("cluster".equals(scope) && upstream == null) {
      ClusterStats.gather(vertx, node.clusterManager(), CONFIRM_MILLIS, only)
          .onSuccess(all -> json(ctx, 200, all))
          .onFailure(ctx::fail);
      return;
    }
    JsonObject query = new JsonObject().put("upstream", upstream).put("backend", backend)
        .put("only", only);
    vertx.eventBus().<JsonObject>request(StatsVerticle.QUERY, query,
            new DeliveryOptions().setLocalOnly(true).setSendTimeout(5000))
        .onSuccess(reply -> json(ctx, 200, reply.body()))
        .onFailure(ctx::fail);
  }

  /**
   * The {@code upstreams} parameter of {@code GET /proxy/stats}: a comma-separated list of the
   * upstreams whose counters to include, or null when it is absent (all of them).
   */
  private static JsonArray onlyUpstreams(QueryParams params, String upstream) {
    String names = params.text("upstreams");
    if (names == null) {
      return null;
    }
    if (upstream != null) {
      throw new ApiError(400, "upstreams applies to /proxy/stats only, not to one upstream");
    }
    JsonArray list = new JsonArray();
    for (String name : names.split(",")) {
      if (!name.isEmpty()) {
        list.add(name);
      }
    }
    if (list.size() > UpstreamPage.MAX_LIMIT) {
      throw new ApiError(400, "upstreams may name at most " + UpstreamPage.MAX_LIMIT
          + " upstreams, not " + list.size());
    }
    return list;
  }

  private void failed(RoutingContext ctx, Throwable err) {
    if (err instanceof TableException te) {
      error(ctx, te.status(), te.getMessage());
    } else {
      ctx.fail(err);
    }
  }

  private void internalError(RoutingContext ctx) {
    Throwable err = ctx.failure();
    log.log(java.util.logging.Level.SEVERE, "Admin call " + ctx.request().method() + " "
        + ctx.request().path() + " failed", err);
    error(ctx, 500, "internal error: " + (err == null ? "unknown" : err.getMessage()));
  }

  private static void json(RoutingContext ctx, int status, Object body) {
    String text = body instanceof JsonObject o ? o.encode() : ((JsonArray) body).encode();
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json")
        .end(text);
  }

  private static void error(RoutingContext ctx, int status, String message) {
    if (ctx.response().ended()) {
      return;
    }
    json(ctx, status, new JsonObject().put("error", message));
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture()
        : server.shutdown(1, TimeUnit.SECONDS);
  }
}
