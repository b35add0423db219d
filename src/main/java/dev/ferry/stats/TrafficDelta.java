package dev.ferry.stats;


/** What one event loop saw for one backend since its last flush. */
public final class TrafficDelta {

  /** Requests by the class of their answer, indexed as {@link StatusClass#index}. */
  final long[] classes = new long[StatusClass.COUNT];
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

  /** A TCP connection, or a request that got no HTTP status. */
  public void request() {
    request(0);
  }

  /** A request answered with {@code status}; 0 when no status was sent. */
  public void request(int status) {
    requests++;
    classes[StatusClass.index(status)]++;
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
}
