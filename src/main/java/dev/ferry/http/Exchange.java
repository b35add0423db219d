package dev.ferry.http;

import dev.ferry.stats.TrafficCounter;
import dev.ferry.table.Backend;
import dev.ferry.table.Route;
import io.vertx.core.http.HttpClientRequest;
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
  private Backend backend;
  private HttpClientRequest backendRequest;
  private List<String> tried;
  private boolean connected;
  private boolean finished;
  private String failure;

  Exchange(Route route, String clientIp, TrafficCounter counter) {
    this.route = route;
    this.clientIp = clientIp;
    this.counter = counter;
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

  void connectedTo(Backend chosen, HttpClientRequest request) {
    backend = chosen;
    backendRequest = request;
    connected = true;
    counter.of(upstreamName(), chosen.id()).clientOpened();
  }

  void failed(String reason) {
    failure = reason;
  }

  void received(long bytes) {
    delta().received(bytes);
  }

  void sent(long bytes) {
    delta().sent(bytes);
  }

  /** Counts the request once, as a failure when no backend answered it or it broke off. */
  void finish(boolean complete) {
    if (finished) {
      return;
    }
    finished = true;
    var delta = delta();
    delta.request();
    if (!complete || failure != null) {
      delta.fail();
    }
    if (connected) {
      delta.clientClosed();
    }
  }

  private dev.ferry.stats.TrafficDelta delta() {
    return backend == null ? counter.of(upstreamName(), null)
        : counter.of(upstreamName(), backend.id());
  }
}
