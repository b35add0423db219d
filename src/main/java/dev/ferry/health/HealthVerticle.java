package dev.ferry.health;

import dev.ferry.FerryNode;
import dev.ferry.http.SchemeProbe;
import dev.ferry.table.Backend;
import dev.ferry.table.HealthCheck;
import dev.ferry.table.RoutingTable;
import dev.ferry.table.Upstream;
import dev.ferry.table.UpstreamTable;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.ConnectOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.SocketAddress;
import java.net.ConnectException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Runs the active health checks of this node: one timer per upstream that has a check, each
 * round asking every backend once, with at most one check per backend in flight. Results go to
 * {@link BackendHealth}, which the proxies read. Off the proxies' event loops; nothing blocks.
 */
public final class HealthVerticle extends VerticleBase {

  private static final String USER_AGENT = "ferry-health-check";

  private final UpstreamTable table;
  private final BackendHealth health;
  private final SchemeProbe schemes;
  private final Map<String, Schedule> schedules = new HashMap<>();
  private final Set<String> inFlight = new HashSet<>();
  private HttpClient http;
  private NetClient tcp;

  private record Schedule(HealthCheck check, long timer) {
  }

  public HealthVerticle(UpstreamTable table, BackendHealth health, SchemeProbe schemes) {
    this.table = table;
    this.health = health;
    this.schemes = schemes;
  }

  @Override
  public Future<?> start() {
    // A new connection for every check, as HAProxy does, so that each one also tests connecting.
    http = vertx.createHttpClient(new HttpClientOptions()
        .setKeepAlive(false)
        .setTrustAll(true)
        .setVerifyHost(false), new PoolOptions().setHttp1MaxSize(64));
    tcp = vertx.createNetClient(new NetClientOptions());
    return vertx.eventBus().localConsumer(FerryNode.TABLE_CHANGED, msg -> sync()).completion()
        .onSuccess(v -> sync());
  }

  /** Starts, restarts and stops the timers to match the table's checks. */
  private void sync() {
    RoutingTable snapshot = table.snapshot();
    health.retain(snapshot);
    for (Iterator<Map.Entry<String, Schedule>> it = schedules.entrySet().iterator();
        it.hasNext(); ) {
      Map.Entry<String, Schedule> entry = it.next();
      Upstream u = snapshot.upstream(entry.getKey());
      HealthCheck check = u == null ? null : u.healthCheck();
      if (!entry.getValue().check().equals(check)) {
        vertx.cancelTimer(entry.getValue().timer());
        it.remove();
        if (check == null) {
          health.uncheck(entry.getKey());
        }
      }
    }
    for (Upstream u : snapshot.upstreams()) {
      if (u.healthCheck() != null && !schedules.containsKey(u.name())) {
        String name = u.name();
        long timer = vertx.setPeriodic(u.healthCheck().interval().toMillis(), t -> round(name));
        schedules.put(name, new Schedule(u.healthCheck(), timer));
        round(name);
      }
    }
  }

  private void round(String name) {
    Upstream u = table.snapshot().upstream(name);
    if (u == null || u.healthCheck() == null) {
      return;
    }
    HealthCheck check = u.healthCheck();
    for (Backend backend : u.backends()) {
      String key = name + "/" + backend.id() + "/" + backend.hostPort();
      if (inFlight.add(key)) {
        failureOf(name, backend, check).onComplete(ar -> {
          inFlight.remove(key);
          record(name, backend, ar.succeeded() ? ar.result() : describe(ar.cause()));
        });
      }
    }
  }

  /** Applies a result unless the check or the backend changed while it ran. */
  private void record(String name, Backend backend, String failure) {
    Upstream u = table.snapshot().upstream(name);
    Backend current = u == null ? null : u.backend(backend.id());
    if (u == null || u.healthCheck() == null || current == null || !current.sameAddress(backend)) {
      return;
    }
    HealthCheck check = u.healthCheck();
    health.checked(name, current, failure, check.healthy(), check.unhealthy());
  }

  /** Null when the check passes, else why it failed; never slower than the check's timeout. */
  private Future<String> failureOf(String upstream, Backend backend, HealthCheck check) {
    long millis = check.timeout().toMillis();
    Promise<String> failure = Promise.promise();
    HttpClientRequest[] sent = new HttpClientRequest[1];
    long timer = vertx.setTimer(millis, t -> {
      failure.tryComplete("no answer within " + millis + " ms");
      if (sent[0] != null) {
        sent[0].reset();
      }
    });
    Future<?> attempt;
    if (check.http()) {
      attempt = schemes.schemeOf(upstream, backend)
          .compose(scheme -> http.request(requestOptions(backend, check, scheme)))
          .compose(request -> {
            sent[0] = request;
            // A failure reaches the result through the futures; without handlers Vert.x would
            // also log each reset, such as the one that ends a check past its timeout.
            request.exceptionHandler(err -> { });
            request.connection().exceptionHandler(err -> { });
            return request.send();
          })
          .compose(response -> {
            int status = response.statusCode();
            failure.tryComplete(status >= 200 && status < 400 ? null : "answered " + status);
            return response.body();
          });
    } else {
      attempt = tcp.connect(new ConnectOptions().setHost(backend.ip()).setPort(backend.port())
              .setTimeout((int) millis))
          .compose(socket -> {
            failure.tryComplete(null);
            return socket.close();
          });
    }
    attempt.onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (ar.failed()) {
        failure.tryComplete(describe(ar.cause()));
      }
    });
    return failure.future();
  }

  private static RequestOptions requestOptions(Backend backend, HealthCheck check,
      String scheme) {
    long millis = check.timeout().toMillis();
    return new RequestOptions()
        .setMethod(HttpMethod.GET)
        .setServer(SocketAddress.inetSocketAddress(backend.port(), backend.ip()))
        .setHost(backend.ip())
        .setPort(backend.port())
        .setURI(check.path())
        .setSsl(scheme.equals("https"))
        .setConnectTimeout(millis)
        .setIdleTimeout(millis)
        .putHeader("user-agent", USER_AGENT);
  }

  private static String describe(Throwable err) {
    if (err instanceof ConnectException) {
      return "cannot connect: " + err.getMessage();
    }
    return err.getMessage() == null ? err.getClass().getSimpleName() : err.getMessage();
  }

  @Override
  public Future<?> stop() {
    schedules.values().forEach(s -> vertx.cancelTimer(s.timer()));
    schedules.clear();
    return Future.join(http.close(), tcp.close());
  }
}
