package dev.ferry.http;

import io.vertx.core.http.HttpServerRequest;

/**
 * The step that moves one routed request to a backend and its answer back. Routing,
 * stickiness and counting stay outside, so a leaner implementation can replace this one alone.
 */
interface Forwarder {

  void forward(HttpServerRequest request, Exchange exchange);
}
