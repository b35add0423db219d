package dev.ferry.http;

import dev.ferry.FerryNode;
import dev.ferry.balance.BackendChooser;
import dev.ferry.config.FerryConfig;
import dev.ferry.config.HostPort;
import dev.ferry.logging.AccessEntry;
import dev.ferry.stats.TrafficCounter;
import dev.ferry.table.Route;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.PemKeyCertOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The HTTP and HTTPS listeners. Per request: route by host, hand the request to the forwarder,
 * count it. One instance runs on each event loop, with its own backend connection pool.
 */
public final class HttpProxyVerticle extends VerticleBase {

  private static final Logger log = Logger.getLogger(HttpProxyVerticle.class.getName());

  /** The longest request line taken, in bytes, as nginx's and HAProxy's defaults allow. */
  static final int MAX_REQUEST_LINE = 8192;
  /** The largest header block taken, in bytes. */
  static final int MAX_HEADER_BLOCK = 8192;
  /** The largest header block taken from a backend, in bytes; a larger one is answered 502. */
  static final int MAX_BACKEND_HEADER_BLOCK = 32 * 1024;

  private final FerryNode node;
  private final List<HttpServer> servers = new ArrayList<>();
  private TrafficCounter counter;
  private ClientConnections connections;
  private AnswerDeadlines deadlines;
  private String domain;

  public HttpProxyVerticle(FerryNode node) {
    this.node = node;
  }

  @Override
  public Future<?> start() {
    FerryConfig config = node.config();
    domain = config.domain();
    counter = new TrafficCounter(vertx);
    counter.start();
    connections = new ClientConnections(vertx, node.connectionLimit(),
        config.requestHeaderTimeout().toMillis());
    HttpClient client = vertx.httpClientBuilder()
        .with(new HttpClientOptions()
            .setKeepAlive(true)
            .setConnectTimeout((int) config.backendConnectTimeout().toMillis())
            .setTrustAll(true)
            .setVerifyHost(false)
            .setMaxHeaderSize(MAX_BACKEND_HEADER_BLOCK))
        .with(new PoolOptions().setHttp1MaxSize(256))
        // A backend resetting an idle kept-alive connection is routine: the connection leaves
        // the pool, and Vert.x would otherwise log the reset as an error.
        .withConnectHandler(connection -> connection.exceptionHandler(err -> log.fine(() ->
            "Backend connection " + connection.remoteAddress() + " failed: " + err)))
        .build();
    deadlines = new AnswerDeadlines(vertx, config.backendResponseTimeout().toMillis());
    BackendDialer dialer = new BackendDialer(client,
        new BackendChooser(node.sessions(), node.health()), node.schemes(), node.health(),
        deadlines);
    Forwarder plain = forwarder(dialer, false);
    Future<HttpServer> http = listen("listenAddr", node.config().listenAddr(),
        new HttpServerOptions(), plain);
    if (node.config().tlsListenAddr() == null) {
      return http;
    }
    HttpServerOptions tlsOptions = new HttpServerOptions().setSsl(true).setKeyCertOptions(
        new PemKeyCertOptions().setCertPath(node.config().tlsCertFile())
            .setKeyPath(node.config().tlsKeyFile()));
    Forwarder secure = forwarder(dialer, true);
    return Future.all(http, listen("tlsListenAddr",
        node.config().tlsListenAddr(), tlsOptions, secure));
  }

  private Forwarder forwarder(BackendDialer dialer, boolean tls) {
    return new PipeForwarder(dialer, node.health(),
        new UpgradeForwarder(dialer, node.health(), tls), tls);
  }

  private Future<HttpServer> listen(String key, HostPort address, HttpServerOptions options,
      Forwarder forwarder) {
    // Clients that ask to upgrade to cleartext HTTP/2 stay on HTTP/1.1, as with nginx. A
    // client that sends "Expect: 100-continue" gets its go-ahead from handle, once the request
    // is routed. Vert.x answers 414 to a longer request line and 431 to a larger header block.
    HttpServer server = vertx.createHttpServer(options.setHttp2ClearTextEnabled(false)
        .setHandle100ContinueAutomatically(false)
        .setIdleTimeout((int) node.config().clientIdleTimeout().toMillis())
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
        .setMaxInitialLineLength(MAX_REQUEST_LINE)
        .setMaxHeaderSize(MAX_HEADER_BLOCK)
        .setHost(address.bindHost()).setPort(address.port()))
        .connectionHandler(connection -> connections.opened(connection, address.toString()))
        .invalidRequestHandler(request -> {
          connections.requestArrived(request);
          refuseUnreadable(request);
        })
        .requestHandler(request -> {
          connections.requestArrived(request);
          if (connections.closing(request.connection())) {
            // Read after a request whose answer closes the connection: never served.
            request.connection().close();
            return;
          }
          handle(request, forwarder);
        });
    servers.add(server);
    return server.listen().recover(err -> Future.failedFuture(new IllegalStateException(
        key + " " + address + " cannot be opened: " + err.getMessage())));
  }

  private void handle(HttpServerRequest request, Forwarder forwarder) {
    if (request.remoteAddress() == null) {
      // The client reset its connection as the request was read: nobody is left to answer.
      request.connection().close();
      return;
    }
    String invalid = RequestCheck.refusal(request);
    if (invalid != null) {
      answer(request, 400, invalid);
      return;
    }
    if (request.method() == HttpMethod.CONNECT) {
      answer(request, 501, "CONNECT is not served: Ferry forwards requests, it opens no tunnels");
      return;
    }
    String host = hostOf(request);
    Route route = host == null ? null : node.table().snapshot().route(host, domain);
    if (route == null) {
      answer(request, 404, host == null ? "the request has no Host header to route by"
          : "no upstream matches host " + host);
      return;
    }
    if (RequestCheck.expectsContinue(request)) {
      request.response().writeContinue();
    }
    Exchange exchange = new Exchange(route, request, counter, node.accessLog());
    HttpServerResponse response = request.response();
    // Vert.x also calls the end handler when the connection closes with the answer unfinished.
    Handler<Void> done = v -> exchange.finish(
        response.ended() || response.getStatusCode() == 101,
        response.headWritten() ? response.getStatusCode() : 0);
    response.endHandler(done);
    response.closeHandler(done);
    forwarder.forward(request, exchange);
  }

  /**
   * Answers a request whose head Netty's decoder could not take: 414 for a request line over
   * {@link #MAX_REQUEST_LINE}, 431 for a header block over {@link #MAX_HEADER_BLOCK}, 400 for
   * any other fault (Content-Length beside Transfer-Encoding, two lengths, a bad header line),
   * each with what was wrong; the connection closes after it, as its framing is unknown.
   */
  private void refuseUnreadable(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    if (cause instanceof PrematureChannelClosureException) {
      // The client left within its request head: there was no request, and nobody to answer.
      request.connection().close();
      return;
    }
    if (cause instanceof TooLongHttpLineException) {
      answer(request, 414, "the request line is longer than " + MAX_REQUEST_LINE + " bytes");
    } else if (cause instanceof TooLongHttpHeaderException) {
      answer(request, 431, "the request header is larger than " + MAX_HEADER_BLOCK + " bytes");
    } else {
      // The decoder's message may quote the client's bytes: only printable ASCII is echoed.
      String fault = cause == null || cause.getMessage() == null ? "it cannot be parsed"
          : cause.getMessage().strip().replaceAll("\\s+", " ")
              .replaceAll("[^\\x20-\\x7e]", "?");
      answer(request, 400, "malformed request: " + (fault.length() > 200
          ? fault.substring(0, 200) + "..." : fault));
    }
  }

  /**
   * Answers a request that reaches no backend. The connection cannot carry another request
   * after a malformed one (400), whose body may not be framed as the client meant, after a
   * CONNECT (501), whose client may send tunnel bytes next, nor after one whose client still
   * waits for its go-ahead: it may or may not send its body now.
   */
  private void answer(HttpServerRequest request, int status, String reason) {
    var delta = counter.of(null, null);
    delta.request(status);
    delta.fail();
    logUnrouted(request, status);
    HttpServerResponse response = request.response().setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
        .putHeader(HttpHeaders.DATE, HttpDate.now());
    if (status == 404 && (!RequestCheck.expectsContinue(request) || request.isEnded())) {
      response.end(reason + "\n");
      return;
    }
    connections.closeAfterAnswer(request.connection());
    response.putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE).end(reason + "\n")
        .onComplete(ar -> request.connection().close());
  }

  private void logUnrouted(HttpServerRequest request, int status) {
    if (node.accessLog().on()) {
      node.accessLog().add(new AccessEntry(System.currentTimeMillis(),
          request.remoteAddress() == null ? "-" : request.remoteAddress().hostAddress(), null,
          null, request.method().name(),
          request.uri(), status, 0, 0, 0));
    }
  }

  /** The Host header's host in lower case without a trailing dot; null when it has none. */
  private static String hostOf(HttpServerRequest request) {
    HostAndPort authority = request.authority();
    if (authority == null) {
      return null;
    }
    String host = authority.host().toLowerCase(Locale.ROOT);
    return host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
  }

  @Override
  public Future<?> stop() {
    List<Future<Void>> closing = new ArrayList<>();
    for (HttpServer server : servers) {
      closing.add(server.shutdown(node.config().drainTimeout().toMillis(),
          TimeUnit.MILLISECONDS));
    }
    return Future.join(closing).onComplete(ar -> {
      counter.stop();
      deadlines.close();
    });
  }
}
