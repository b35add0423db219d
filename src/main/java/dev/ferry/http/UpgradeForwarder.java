package dev.ferry.http;

import dev.ferry.health.BackendHealth;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.httpproxy.Body;
import io.vertx.httpproxy.HttpProxy;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyOptions;
import io.vertx.httpproxy.ProxyRequest;
import io.vertx.httpproxy.ProxyResponse;

/**
 * Forwards requests that ask to switch protocols, WebSocket handshakes above all, with
 * {@code vertx-http-proxy}: once the backend answers 101 it joins the two connections as raw
 * byte pipes. Ferry adds the backend choice with its retry, the removal of the headers a
 * Connection header names, the forwarded headers and the counts.
 */
final class UpgradeForwarder implements Forwarder, ProxyInterceptor {

  private static final String EXCHANGE = "ferry.exchange";

  private final HttpProxy proxy;
  private final BackendDialer dialer;
  private final BackendHealth health;
  private final boolean tls;
  private Exchange handoff;

  UpgradeForwarder(BackendDialer dialer, BackendHealth health, boolean tls) {
    this.dialer = dialer;
    this.health = health;
    this.tls = tls;
    this.proxy = HttpProxy.reverseProxy(new ProxyOptions(), dialer.client());
    proxy.addInterceptor(this, true);
    proxy.origin(this::connect);
  }

  @Override
  public void forward(HttpServerRequest request, Exchange exchange) {
    HttpServerResponse response = request.response();
    response.headersEndHandler(v -> padDayOfMonth(response.headers()));
    // Once protocols are switched, Vert.x reports neither the end of the answer nor its
    // close: the end of the client's connection ends the exchange.
    ((ConnectionBase) request.connection()).channel().closeFuture().addListener(closed ->
        exchange.finish(response.getStatusCode() == 101,
            response.headWritten() ? response.getStatusCode() : 0));
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
    // The proxy keeps the Upgrade header of a WebSocket handshake, with its Connection header.
    ProxyHeaders.removeNamedByConnection(request.headers(), false);
    ProxyHeaders.addForwarded(request.headers(), exchange.clientIp, tls, original.authority());
    if (original.authority() != null) {
      request.setAuthority(original.authority());
    }
    Body body = request.getBody();
    if (body != null) {
      request.setBody(Body.body(new CountingStream(body.stream(), exchange::received,
          () -> dialer.awaitAnswer(exchange)), body.length(),
          body.mediaType()));
    }
    return context.sendRequest().recover(err -> {
      dialer.answered(exchange);
      BackendDialer.Failure failure = dialer.failure(exchange, err);
      ProxyResponse answer = request.release().response().setStatusCode(failure.status());
      return Future.succeededFuture(answer.setBody(plainText(failure.reason() + "\n")));
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
    dialer.answered(exchange);
    health.succeeded(exchange.upstreamName(), exchange.backend());
    if (response.getStatusCode() != 101) {
      MultiMap headers = response.headers();
      ProxyHeaders.removeNamedByConnection(headers, true);
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

  private Future<HttpClientRequest> connect(ProxyContext context) {
    HttpServerRequest original = context.request().proxiedRequest();
    Exchange exchange = context.get(EXCHANGE, Exchange.class);
    // A handshake without a body (no length, not chunked) is whole as it goes out: the
    // backend's time starts now. One with a body starts it when its body has passed.
    boolean bodiless = !original.headers().contains(HttpHeaders.CONTENT_LENGTH)
        && !original.headers().contains(HttpHeaders.TRANSFER_ENCODING);
    return dialer.open(exchange, original.authority()).onSuccess(opened -> {
      if (bodiless) {
        dialer.awaitAnswer(exchange);
      }
    });
  }
}
