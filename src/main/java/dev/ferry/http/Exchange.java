package dev.ferry.http;

import dev.ferry.logging.AccessEntry;
import dev.ferry.logging.AccessLog;
import dev.ferry.stats.TrafficCounter;
import dev.ferry.stats.TrafficDelta;
import dev.ferry.table.Backend;
import dev.ferry.table.Route;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpServerRequest;
import java.util.ArrayList;
import java.util.List;

/**
 * One request on its way through the proxy: where it is routed, the backends tried so far, and
 * the counting of its bytes and outcome.
 */
final class Exchange {

  final Route route;
  final String clientIp;
  private final TrafficCounter counter;
  private final HttpServerRequest request;
  private final AccessLog accessLog;
  /** When the request came, in nanoseconds; 0 when the access log is off. */
  private final long started;
  private long bytesIn;
  private long bytesOut;
  private Backend backend;
  private HttpClientRequest backendRequest;
  private AnswerDeadlines.Waiting awaiting;
  /** The running delta of {@link #deltaBackend}, kept until the counter flushes again. */
  private TrafficDelta delta;
  private Backend deltaBackend;
  private int deltaFlushes;
  private List<String> tried;
  private boolean connected;
  private boolean retried;
  private boolean finished;
  private String failure;

  Exchange(Route route, HttpServerRequest request, TrafficCounter counter,
      AccessLog accessLog) {
    this.route = route;
    this.request = request;
    this.clientIp = request.remoteAddress().hostAddress();
    this.counter = counter;
    this.accessLog = accessLog;
    this.started = accessLog.on() ? System.nanoTime() : 0;
  }

  String upstreamName() {
    return route.upstream().name();
  }

  Backend backend() {
    return backend;
  }

  /** The backends that refused this request already; null while none has. */
  List<String> tried() {
    return tried;
  }

  void refusedBy(Backend refusing) {
    if (tried == null) {
      tried = new ArrayList<>(2);
    }
    tried.add(refusing.id());
  }

  /** Whether the client's exchange is over: answered, or its connection gone. */
  boolean finished() {
    return finished;
  }

  /** The request to the backend, once a backend took the connection. */
  HttpClientRequest backendRequest() {
    return backendRequest;
  }

  /**
   * The backend took the connection. A client that left while it was being connected is not
   * counted as the backend's, and the backend request is dropped before anything is sent.
   */
  void connectedTo(Backend chosen, HttpClientRequest request) {
    backend = chosen;
    backendRequest = request;
    if (finished) {
      request.reset();
      return;
    }
    connected = true;
    delta().clientOpened();
  }

  /** The backend request's time to answer started. */
  void awaiting(AnswerDeadlines.Waiting waiting) {
    awaiting = waiting;
  }

  /** The backend request's running time to answer, now taken away; null when none runs. */
  AnswerDeadlines.Waiting takeAwaiting() {
    AnswerDeadlines.Waiting taken = awaiting;
    awaiting = null;
    return taken;
  }

  /** Whether the request was already sent once more after its connection closed. */
  boolean retried() {
    return retried;
  }

  /** The backend connection closed before any answer; the request goes out once more. */
  void retrying() {
    retried = true;
    if (connected) {
      connected = false;
      delta().clientClosed();
    }
    backend = null;
    backendRequest = null;
  }

  void failed(String reason) {
    failure = reason;
  }

  void received(long bytes) {
    bytesIn += bytes;
    delta().received(bytes);
  }

  void sent(long bytes) {
    bytesOut += bytes;
    delta().sent(bytes);
  }

  /**
   * Counts the request once, by the class of {@code status} (0 when the client got none), as
   * a failure when no backend answered it or it broke off.
   */
  void finish(boolean complete, int status) {
    if (finished) {
      return;
    }
    finished = true;
    var delta = delta();
    delta.request(status);
    if (!complete || failure != null) {
      delta.fail();
    }
    if (connected) {
      delta.clientClosed();
    }
    if (started != 0) {
      accessLog.add(new AccessEntry(System.currentTimeMillis(), clientIp, upstreamName(),
          backend == null ? null : backend.id(), request.method().name(), request.uri(),
          status, bytesIn, bytesOut, (System.nanoTime() - started) / 1_000_000));
    }
  }

  private TrafficDelta delta() {
    if (delta == null || deltaBackend != backend || deltaFlushes != counter.flushes()) {
      delta = counter.of(upstreamName(), backend == null ? null : backend.id());
      deltaBackend = backend;
      deltaFlushes = counter.flushes();
    }
    return delta;
  }
}
