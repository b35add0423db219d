package dev.ferry.http;

import dev.ferry.balance.BackendChooser;
import dev.ferry.health.BackendHealth;
import dev.ferry.table.Backend;
import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.SocketAddress;
import java.net.ConnectException;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;

/**
 * Opens the request of an exchange to one of its upstream's backends: the pinned one, or the
 * one the chooser picks, trying the next whenever a backend refuses the connection or does not
 * take it in time (nothing was sent yet, so any method may be retried). Also says, for the
 * forwarders, what a failure means to the client.
 */
final class BackendDialer {

  private static final Logger log = Logger.getLogger(BackendDialer.class.getName());

  private final HttpClient client;
  private final BackendChooser chooser;
  private final SchemeProbe schemes;
  private final BackendHealth health;
  private final AnswerDeadlines deadlines;

  BackendDialer(HttpClient client, BackendChooser chooser, SchemeProbe schemes,
      BackendHealth health, AnswerDeadlines deadlines) {
    this.client = client;
    this.chooser = chooser;
    this.schemes = schemes;
    this.health = health;
    this.deadlines = deadlines;
  }

  HttpClient client() {
    return client;
  }

  /**
   * A request to a backend that took the connection, with the client's authority; it fails
   * with {@link NoBackend} when no backend does.
   */
  Future<HttpClientRequest> open(Exchange exchange, HostAndPort authority) {
    Backend backend = exchange.route.pinned() != null ? exchange.route.pinned()
        : chooser.choose(exchange.route.upstream(), exchange.clientIp, exchange.tried());
    if (backend == null) {
      return Future.failedFuture(new NoBackend(exchange.tried() == null
          ? "upstream " + exchange.upstreamName() + " has no backend that takes new clients"
          : "every backend of upstream " + exchange.upstreamName()
              + " refused or did not take the connection"));
    }
    Future<String> scheme = schemes.schemeOf(exchange.upstreamName(), backend);
    // The scheme is known but for a backend's first request: no extra future then.
    Future<HttpClientRequest> request = scheme.succeeded()
        ? client.request(options(backend, scheme.result()))
        : scheme.compose(known -> client.request(options(backend, known)));
    return request.transform(opened -> {
      if (opened.succeeded()) {
        return Future.succeededFuture(prepared(exchange, backend, opened.result(), authority));
      }
      Throwable err = opened.cause();
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
      return open(exchange, authority);
    });
  }

  private static RequestOptions options(Backend backend, String scheme) {
    return new RequestOptions()
        .setServer(SocketAddress.inetSocketAddress(backend.port(), backend.ip()))
        .setSsl(scheme.equals("https"));
  }

  private static HttpClientRequest prepared(Exchange exchange, Backend backend,
      HttpClientRequest request, HostAndPort authority) {
    // Failures reach the forwarder through the request's futures; without a handler Vert.x
    // also logs each one as an error, such as every proxied WebSocket that closes.
    request.exceptionHandler(err -> log.fine(() -> "Request to backend " + backend.id()
        + " of upstream " + exchange.upstreamName() + " ended: " + err.getMessage()));
    exchange.connectedTo(backend, request);
    if (authority != null) {
      request.authority(authority);
    }
    return request;
  }

  /**
   * Starts the backend's time to answer once it has the whole request, so that a long upload
   * does not count against it. {@link #answered} stops it; a backend that takes longer has its
   * request reset, and the exchange fails with a timeout.
   */
  void awaitAnswer(Exchange exchange) {
    HttpClientRequest sent = exchange.backendRequest();
    if (sent != null && !sent.response().isComplete()) {
      deadlines.stop(exchange.takeAwaiting());
      exchange.awaiting(deadlines.start(sent));
    }
  }

  /** The exchange's backend answered, or its request failed: its time to answer stops. */
  void answered(Exchange exchange) {
    deadlines.stop(exchange.takeAwaiting());
  }

  /**
   * Records that the exchange got no answer's header: the reason goes into the exchange, a
   * backend that took the connection and then broke off counts against its health. Answers
   * the status the client gets, 504 when the backend's time to answer ran out, 502 otherwise.
   */
  Failure failure(Exchange exchange, Throwable err) {
    if (!(err instanceof NoBackend) && exchange.backend() != null && !exchange.finished()) {
      health.failed(exchange.upstreamName(), exchange.backend());
    }
    String reason = reasonFor(exchange, err);
    exchange.failed(reason);
    return new Failure(isTimeout(err) ? 504 : 502, reason);
  }

  /** What the client of a failed exchange is answered. */
  record Failure(int status, String reason) {
  }

  private String reasonFor(Exchange exchange, Throwable err) {
    if (err instanceof NoBackend) {
      return err.getMessage();
    }
    Backend backend = exchange.backend();
    String who = backend == null ? "upstream " + exchange.upstreamName()
        : "backend " + backend.id() + " of upstream " + exchange.upstreamName();
    if (isTimeout(err)) {
      return who + " sent no response header within " + deadlines.allowanceMillis() + " ms";
    }
    return who + " did not answer: " + describe(err);
  }

  /**
   * The failure in a few words. Netty's native transport names the system call that failed
   * ("recvAddress(..) failed with error(-104): Connection reset by peer"); only what happened
   * is kept.
   */
  private static String describe(Throwable err) {
    String message = err.getMessage() == null ? err.toString() : err.getMessage();
    int call = message.indexOf("(..) failed with error(");
    int reason = message.indexOf("): ", Math.max(call, 0));
    return call >= 0 && reason >= 0 ? message.substring(reason + 3) : message;
  }

  private static String refusal(Throwable err) {
    for (Throwable t = err; t != null; t = t.getCause()) {
      if (t instanceof ConnectTimeoutException) {
        return "did not take the connection in time";
      }
    }
    return "refused the connection";
  }

  private static boolean isTimeout(Throwable err) {
    for (Throwable t = err; t != null; t = t.getCause()) {
      if (t instanceof TimeoutException) {
        return true;
      }
    }
    return false;
  }

  private static boolean isRefusal(Throwable err) {
    for (Throwable t = err; t != null; t = t.getCause()) {
      if (t instanceof ConnectException) {
        return true;
      }
    }
    return false;
  }

  /** No backend could take the request; the message says why. */
  static final class NoBackend extends RuntimeException {
    NoBackend(String message) {
      super(message, null, false, false);
    }
  }
}
