package dev.ferry.stats;

import io.vertx.core.json.JsonObject;

/** What one event loop saw for one backend since its last flush. */
public final class TrafficDelta {

  final String upstream;
  final String backend;
  final String listen;
  long requests;
  long fails;
  long rxBytes;
  long txBytes;
  long opened;
  long closed;

  TrafficDelta(String upstream, String backend, String listen) {
    this.upstream = upstream;
    this.backend = backend;
    this.listen = listen;
  }

  public void request() {
    requests++;
  }

  public void fail() {
    fails++;
  }

  public void received(long bytes) {
    rxBytes += bytes;
  }

  public void sent(long bytes) {
    txBytes += bytes;
  }

  public void clientOpened() {
    opened++;
  }

  public void clientClosed() {
    closed++;
  }

  JsonObject toJson() {
    return new JsonObject().put("u", upstream).put("b", backend).put("l", listen)
        .put("req", requests).put("fail", fails).put("rx", rxBytes).put("tx", txBytes)
        .put("open", opened).put("close", closed);
  }
}
