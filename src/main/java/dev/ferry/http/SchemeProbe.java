package dev.ferry.http;

import dev.ferry.table.Backend;
import dev.ferry.table.TableWriter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.ConnectOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.net.ConnectException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Finds out whether a backend registered with scheme {@code ""} speaks TLS: a TLS handshake that
 * succeeds means {@code https}; one that is refused, or not answered within a second, means
 * {@code http}. The answer is recorded in the table once, for every node.
 */
public final class SchemeProbe {

  private static final Logger log = Logger.getLogger(SchemeProbe.class.getName());
  private static final Future<String> HTTP = Future.succeededFuture("http");
  private static final Future<String> HTTPS = Future.succeededFuture("https");

  private final NetClient client;
  private final TableWriter writer;
  private final Map<String, Future<String>> probes = new ConcurrentHashMap<>();

  public SchemeProbe(Vertx vertx, TableWriter writer, Duration connectTimeout) {
    this.client = vertx.createNetClient(new NetClientOptions()
        .setConnectTimeout((int) connectTimeout.toMillis())
        .setSslHandshakeTimeout(1)
        .setSslHandshakeTimeoutUnit(TimeUnit.SECONDS)
        .setTrustAll(true)
        .setHostnameVerificationAlgorithm(""));
    this.writer = writer;
  }

  /** The backend's scheme; fails when the backend cannot be reached at all. */
  public Future<String> schemeOf(String upstream, Backend backend) {
    if (!backend.scheme().isEmpty()) {
      return backend.scheme().equals("https") ? HTTPS : HTTP;
    }
    String key = upstream + "/" + backend.id() + "/" + backend.hostPort();
    Future<String> known = probes.get(key);
    if (known != null && !known.failed()) {
      return known;
    }
    Future<String> probe = probe(backend).onSuccess(scheme -> record(upstream, backend, scheme));
    probes.put(key, probe);
    return probe;
  }

  private Future<String> probe(Backend backend) {
    ConnectOptions options = new ConnectOptions().setHost(backend.ip()).setPort(backend.port())
        .setSsl(true);
    return client.connect(options).<String>map(socket -> {
      socket.close();
      return "https";
    }).recover(err -> err instanceof ConnectException ? Future.failedFuture(err) : HTTP);
  }

  private void record(String upstream, Backend backend, String scheme) {
    writer.recordScheme(upstream, backend, scheme).onSuccess(change -> {
      if (change != null) {
        log.info("Backend " + backend.id() + " of upstream " + upstream + " speaks " + scheme);
      }
    });
  }
}
