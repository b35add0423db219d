package dev.ferry.http;

import dev.ferry.balance.BackendChooser;
import dev.ferry.health.BackendHealth;
import dev.ferry.table.Backend;
import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.SocketAddress;
import io.vertx.httpproxy.Body;
import io.vertx.httpproxy.HttpProxy;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyOptions;
import io.vertx.httpproxy.ProxyRequest;
import io.vertx.httpproxy.ProxyResponse;
import java.net.ConnectException;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;

/**
 * Forwards with {@code vertx-http-proxy}: it copies the request without the fixed hop-by-hop
 * headers, streams both bodies and passes WebSocket upgrades through. Ferry adds the backend
 * choice with its retry, the removal of the headers a Connection header names (both ways), the
 * forwarded headers and the byte counts.
 */
final class ProxyForwarder implements Forwarder, ProxyInterceptor {

  private static final Logger log = Logger.getLogger(ProxyForwarder.class.getName());
  private static final String EXCHANGE = "ferry.exchange";

  private final HttpProxy proxy;
  private final BackendChooser chooser;
  private final SchemeProbe schemes;
  private final BackendHealth health;
  private final boolean tls;
  private final long responseTimeoutMillis;
  private Exchange handoff;

  ProxyForwarder(HttpClient client, BackendChooser chooser, SchemeProbe schemes,
      BackendHealth health, boolean tls, long responseTimeoutMillis) {
    this.chooser = chooser;
    this.schemes = schemes;
    this.health = health;
    this.tls = tls;
    this.responseTimeoutMillis = responseTimeoutMillis;
    this.proxy = HttpProxy.reverseProxy(new ProxyOptions(), client);
    proxy.addInterceptor(this, true);
    proxy.origin(this::connect);
  }

  @Override
  public void forward(HttpServerRequest request, Exchange exchange) {
    HttpServerResponse response = request.response();
    response.headersEndHandler(v -> padDayOfMonth(response.headers()));
    // The proxy calls handleProxyRequest before handle returns, on this event loop.
    handoff = exchange;
    proxy.handle(request);
    handoff = null;
  }

  @Override
  public Future<ProxyResponse> handleProxyRequest(ProxyContext context) {
    Exchange exchange = handoff;
    context.set(EXCHANGE, exchange);
    ProxyRequest request = context.request();
    HttpServerRequest original = request.proxiedRequest();
    // The proxy takes the Upgrade header of a WebSocket handshake, and its Connection header,
    // off the plain requests itself.
    removeNamedByConnection(request.headers(), false);
    addForwardedHeaders(request, original, exchange.clientIp);
    Body body = request.getBody();
    if (body != null) {
      request.setBody(Body.body(new CountingStream(body.stream(), exchange::received,
          () -> awaitResponse(exchange)), body.length(), body.mediaType()));
    }
    return context.sendRequest().recover(err -> {
      if (!(err instanceof NoBackend) && exchange.backend() != null && !exchange.finished()) {
        // Connected, but the backend broke off before its answer's header.
        health.failed(exchange.upstreamName(), exchange.backend());
      }
      String reason = reasonFor(exchange, err);
      exchange.failed(reason);
      int status = err instanceof TimeoutException ? 504 : 502;
      ProxyResponse answer = request.release().response().setStatusCode(status);
      return Future.succeededFuture(answer.setBody(plainText(reason + "\n")));
    });
  }

  @Override
  public Future<Void> handleProxyResponse(ProxyContext context) {
    ProxyResponse response = context.response();
    if (response.proxiedResponse() == null) {
      // Ferry's own answer: send it as it is, past the WebSocket path that expects a backend.
      return response.send();
    }
    Exchange exchange = context.get(EXCHANGE, Exchange.class);
    health.succeeded(exchange.upstreamName(), exchange.backend());
    if (response.getStatusCode() != 101) {
      MultiMap headers = response.headers();
      removeNamedByConnection(headers, true);
      headers.remove(HttpHeaders.CONNECTION);
      headers.remove(HttpHeaders.KEEP_ALIVE);
    }
    Body body = response.getBody();
    if (body != null) {
      response.setBody(Body.body(new CountingStream(body.stream(), exchange::sent, null),
          body.length(), body.mediaType()));
    }
    return context.sendResponse();
  }

  /**
   * Starts the backend's time to answer once it has the whole request, so that a long upload
   * does not count against it. Vert.x cancels the timer when the response header arrives.
   */
  private void awaitResponse(Exchange exchange) {
    HttpClientRequest sent = exchange.backendRequest();
    if (sent != null && !sent.response().isComplete()) {
      sent.idleTimeout(responseTimeoutMillis);
    }
  }

  /**
   * Removes the headers that the message's Connection header names: they are meant for one hop
   * only, and a client could otherwise name a header the backend trusts to have it dropped.
   */
  private static void removeNamedByConnection(MultiMap headers, boolean withUpgrade) {
    if (!headers.contains(HttpHeaders.CONNECTION)) {
      return;
    }
    for (String value : headers.getAll(HttpHeaders.CONNECTION)) {
      for (String name : value.split(",")) {
        name = name.trim();
        if (!name.isEmpty() && (withUpgrade || !name.equalsIgnoreCase("upgrade"))) {
          headers.remove(name);
        }
      }
    }
  }

  /**
   * vertx-http-proxy writes the Date header with a one-digit day of the month ("Fri, 4 Dec
   * 2026"), which is not an IMF-fixdate; this adds the leading zero.
   */
  private static void padDayOfMonth(MultiMap headers) {
    String date = headers.get(HttpHeaders.DATE);
    if (date != null && date.length() > 6 && date.charAt(6) == ' ') {
      headers.set(HttpHeaders.DATE, date.substring(0, 5) + '0' + date.substring(5));
    }
  }

  /** A body of text; Body.body(Buffer) alone would call it application/octet-stream. */
  private static Body plainText(String text) {
    Buffer content = Buffer.buffer(text);
    return Body.body(Body.body(content).stream(), content.length(), "text/plain; charset=utf-8");
  }

  private void addForwardedHeaders(ProxyRequest request, HttpServerRequest original,
      String clientIp) {
    String prior = request.headers().get("x-forwarded-for");
    request.putHeader("x-forwarded-for", prior == null ? clientIp : prior + ", " + clientIp);
    request.putHeader("x-forwarded-proto", tls ? "https" : "http");
    HostAndPort authority = original.authority();
    if (authority != null) {
      request.putHeader("x-forwarded-host", authority.toString());
      request.setAuthority(authority);
    }
  }

  private Future<HttpClientRequest> connect(ProxyContext context) {
    Exchange exchange = context.get(EXCHANGE, Exchange.class);
    Backend backend = exchange.route.pinned() != null ? exchange.route.pinned()
        : chooser.choose(exchange.route.upstream(), exchange.clientIp, exchange.tried());
    if (backend == null) {
      return Future.failedFuture(new NoBackend(exchange.tried() == null
          ? "upstream " + exchange.upstreamName() + " has no backend that takes new clients"
          : "every backend of upstream " + exchange.upstreamName()
              + " refused or did not take the connection"));
    }
    HttpServerRequest original = context.request().proxiedRequest();
    return schemes.schemeOf(exchange.upstreamName(), backend)
        .compose(scheme -> context.client().request(new RequestOptions()
            .setServer(SocketAddress.inetSocketAddress(backend.port(), backend.ip()))
            .setSsl(scheme.equals("https"))))
        .map(request -> {
          exchange.connectedTo(backend, request);
          // Failures reach the proxy through the request's futures; without a handler Vert.x
          // also logs each one as an error, such as every proxied WebSocket that closes.
          request.exceptionHandler(err -> log.fine(() -> "Request to backend " + backend.id()
              + " of upstream " + exchange.upstreamName() + " ended: " + err.getMessage()));
          if (original.authority() != null) {
            request.authority(original.authority());
          }
          return request;
        })
        .recover(err -> {
          if (!isRefusal(err)) {
            return Future.failedFuture(err);
          }
          log.fine(() -> "Backend " + backend.id() + " of upstream " + exchange.upstreamName()
              + " " + refusal(err) + ": " + err.getMessage());
          exchange.refusedBy(backend);
          health.failed(exchange.upstreamName(), backend);
          if (exchange.route.pinned() != null) {
            return Future.failedFuture(new NoBackend("backend " + backend.id() + " of upstream "
                + exchange.upstreamName() + " " + refusal(err)));
          }
          return connect(context);
        });
  }

  private static String refusal(Throwable err) {
    for (Throwable t = err; t != null; t = t.getCause()) {
      if (t instanceof ConnectTimeoutException) {
        return "did not take the connection in time";
      }
    }
    return "refused the connection";
  }

  private static boolean isRefusal(Throwable err) {
    for (Throwable t = err; t != null; t = t.getCause()) {
      if (t instanceof ConnectException) {
        return true;
      }
    }
    return false;
  }

  private String reasonFor(Exchange exchange, Throwable err) {
    if (err instanceof NoBackend) {
      return err.getMessage();
    }
    Backend backend = exchange.backend();
    String who = backend == null ? "upstream " + exchange.upstreamName()
        : "backend " + backend.id() + " of upstream " + exchange.upstreamName();
    if (err instanceof TimeoutException) {
      return who + " sent no response header within " + responseTimeoutMillis + " ms";
    }
    return who + " did not answer: " + (err.getMessage() == null ? err : err.getMessage());
  }

  /** No backend could take the request; the message says why. */
  private static final class NoBackend extends RuntimeException {
    NoBackend(String message) {
      super(message, null, false, false);
    }
  }
}
