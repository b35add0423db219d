package dev.ferry.stats;

/**
 * The class of an HTTP answer as the {@code class} label of {@code ferry_requests_total}:
 * {@code none} for a request that got no status (a TCP connection, a broken-off request).
 */
final class StatusClass {

  static final String[] LABELS = {"none", "1xx", "2xx", "3xx", "4xx", "5xx"};
  static final int COUNT = LABELS.length;

  private StatusClass() {
  }

  static int index(int status) {
    return status >= 100 && status < 600 ? status / 100 : 0;
  }
}
