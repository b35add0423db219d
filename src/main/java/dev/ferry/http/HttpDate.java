package dev.ferry.http;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** The Date header of the answers Ferry makes itself, an IMF-fixdate made once a second. */
final class HttpDate {

  private static final DateTimeFormatter IMF_FIXDATE = DateTimeFormatter
      .ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

  private static volatile Stamp last = new Stamp(0, "");

  private HttpDate() {
  }

  static String now() {
    long second = System.currentTimeMillis() / 1000;
    Stamp stamp = last;
    if (stamp.second != second) {
      stamp = new Stamp(second, IMF_FIXDATE.format(Instant.ofEpochSecond(second)));
      last = stamp;
    }
    return stamp.text;
  }

  private record Stamp(long second, String text) {
  }
}
