package dev.ferry.http;

import dev.ferry.health.BackendHealth;
import io.vertx.core.AsyncResult;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.streams.Pipe;
import java.io.IOException;
import java.util.Locale;

/**
 * Forwards a request by piping it into a request on a kept-alive backend connection, and the
 * answer back the same way: the end-to-end headers are copied once each way, bodies stream
 * with back-pressure and each hop frames its own body. WebSocket handshakes go to
 * {@code upgrades}; other protocols a client asks to switch to (h2c, say) are not offered to
 * the backend, as Upgrade is a hop-by-hop header.
 *
 * <p>Missing, because Vert.x's client does not expose them: trailers of chunked bodies are
 * dropped both ways; a response whose Transfer-Encoding names a coding besides chunked reaches
 * the client without it; and a backend connection that sends bytes past the end of an answer
 * (more than its Content-Length, or a body to HEAD) goes back to the pool, where those bytes
 * are read as the next request's answer. nginx and HAProxy close such a connection.
 */
final class PipeForwarder implements Forwarder {

  private final BackendDialer dialer;
  private final BackendHealth health;
  private final Forwarder upgrades;
  private final boolean tls;

  PipeForwarder(BackendDialer dialer, BackendHealth health, Forwarder upgrades, boolean tls) {
    this.dialer = dialer;
    this.health = health;
    this.upgrades = upgrades;
    this.tls = tls;
  }

  @Override
  public void forward(HttpServerRequest request, Exchange exchange) {
    String upgrade = request.getHeader(HttpHeaders.UPGRADE);
    if (upgrade != null && upgrade.toLowerCase(Locale.ROOT).contains("websocket")) {
      upgrades.forward(request, exchange);
      return;
    }
    // The body waits in Vert.x's buffer until a backend is there to take it.
    request.pause();
    dispatch(request, exchange);
  }

  private void dispatch(HttpServerRequest request, Exchange exchange) {
    dialer.open(exchange, request.authority()).onComplete(opened -> {
      if (opened.succeeded()) {
        send(request, opened.result(), exchange);
      } else {
        fail(request, exchange, opened.cause());
      }
    });
  }

  private void send(HttpServerRequest request, HttpClientRequest out, Exchange exchange) {
    if (exchange.finished()) {
      return;
    }
    out.setMethod(request.method()).setURI(originForm(request));
    MultiMap in = request.headers();
    ProxyHeaders.copyEndToEnd(in, out.headers());
    ProxyHeaders.addForwarded(out.headers(), exchange.clientIp, tls, request.authority());
    out.response().onComplete(answered -> respond(request, exchange, answered));

    // The framing headers are set here, whatever the Connection header named. An empty body
    // is sent as such without a pipe, so that a retry can send it again.
    String length = in.get(HttpHeaders.CONTENT_LENGTH);
    if (in.contains(HttpHeaders.TRANSFER_ENCODING)) {
      out.setChunked(true);
    } else if (length != null && !length.equals("0")) {
      out.putHeader(HttpHeaders.CONTENT_LENGTH, length);
    } else {
      if (length != null) {
        out.putHeader(HttpHeaders.CONTENT_LENGTH, length);
      }
      out.end();
      dialer.awaitAnswer(exchange);
      request.resume();
      return;
    }
    Pipe<Buffer> body = new CountingStream(request, exchange::received,
        () -> dialer.awaitAnswer(exchange)).pipe();
    body.endOnFailure(false).to(out).onFailure(err -> out.reset(0, err));
  }

  private void respond(HttpServerRequest request, Exchange exchange,
      AsyncResult<HttpClientResponse> answered) {
    dialer.answered(exchange);
    if (answered.failed()) {
      if (mayRetry(request, exchange, answered.cause())) {
        exchange.retrying();
        dispatch(request, exchange);
      } else {
        fail(request, exchange, answered.cause());
      }
      return;
    }
    HttpClientResponse in = answered.result();
    // Nothing else listens to the answer when it is given up here; Vert.x would log its reset
    // as an error.
    in.exceptionHandler(err -> { });
    if (exchange.finished()) {
      exchange.backendRequest().reset();
      return;
    }
    if (in.statusCode() < 200) {
      // A switch of protocols nobody asked for, or an interim answer Vert.x took for the
      // final one: the connection's state is unknown, so it is closed and not reused.
      exchange.backendRequest().reset();
      fail(request, exchange, new IllegalStateException("it answered " + in.statusCode() + " "
          + in.statusMessage() + " where a final answer belongs"));
      return;
    }
    health.succeeded(exchange.upstreamName(), exchange.backend());
    HttpServerResponse response = request.response();
    response.setStatusCode(in.statusCode()).setStatusMessage(in.statusMessage());
    ProxyHeaders.copyEndToEnd(in.headers(), response.headers());
    if (!response.headers().contains(HttpHeaders.DATE)) {
      response.putHeader(HttpHeaders.DATE, HttpDate.now());
    }

    String length = in.getHeader(HttpHeaders.CONTENT_LENGTH);
    boolean unframed = length == null && hasBody(request, in);
    // An HTTP/1.0 client knows no chunks: a body of unknown length ends with the connection.
    boolean closeAfter = unframed && request.version() == HttpVersion.HTTP_1_0;
    if (length != null) {
      response.putHeader(HttpHeaders.CONTENT_LENGTH, length);
    } else if (unframed && !closeAfter) {
      response.setChunked(true);
    }
    new CountingStream(in, exchange::sent, null).pipe().endOnFailure(false).to(response)
        .onComplete(sent -> {
          if (sent.failed()) {
            // The backend broke off within the body, or the client left: neither connection
            // can carry another message.
            in.exceptionHandler(err -> { });
            exchange.backendRequest().reset(0, sent.cause());
            response.reset();
          } else if (closeAfter) {
            request.connection().close();
          }
        });
  }

  /**
   * Whether a request may be sent once more after its connection closed or was reset before any
   * answer. A backend may close a kept-alive connection just as the proxy reuses it; a request
   * that is idempotent and has no body is then sent again, once, as nginx and HAProxy do.
   */
  private static boolean mayRetry(HttpServerRequest request, Exchange exchange,
      Throwable err) {
    if (exchange.retried() || exchange.finished()
        || !(err instanceof HttpClosedException || err instanceof IOException)) {
      return false;
    }
    MultiMap headers = request.headers();
    String length = headers.get(HttpHeaders.CONTENT_LENGTH);
    if ((length != null && !length.equals("0"))
        || headers.contains(HttpHeaders.TRANSFER_ENCODING)) {
      return false;
    }
    HttpMethod method = request.method();
    return method == HttpMethod.GET || method == HttpMethod.HEAD
        || method == HttpMethod.OPTIONS || method == HttpMethod.PUT
        || method == HttpMethod.DELETE || method == HttpMethod.TRACE;
  }

  /** The target as the backend gets it: an absolute-form target loses its scheme and host. */
  private static String originForm(HttpServerRequest request) {
    String uri = request.uri();
    if (uri.startsWith("/") || uri.equals("*")) {
      return uri;
    }
    String query = request.query();
    return query == null ? request.path() : request.path() + "?" + query;
  }

  private static boolean hasBody(HttpServerRequest request, HttpClientResponse in) {
    int status = in.statusCode();
    return request.method() != HttpMethod.HEAD && status >= 200 && status != 204
        && status != 304;
  }

  private void fail(HttpServerRequest request, Exchange exchange, Throwable err) {
    BackendDialer.Failure failure = dialer.failure(exchange, err);
    HttpServerResponse response = request.response();
    request.resume();
    if (exchange.finished() || response.headWritten()) {
      return;
    }
    response.setStatusCode(failure.status())
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
        .putHeader(HttpHeaders.DATE, HttpDate.now())
        .end(failure.reason() + "\n");
  }
}
