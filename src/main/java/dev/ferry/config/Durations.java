package dev.ferry.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations written as Go does: {@code 90s}, {@code 15m}, {@code 1h30m}, {@code 250ms}. */
public final class Durations {

  private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)");

  private Durations() {
  }

  public static Duration parse(String key, String text) {
    if (text == null || text.isEmpty()) {
      throw new ConfigException(key + ": a duration such as 90s, 15m or 1h is required");
    }
    Matcher m = PART.matcher(text);
    double millis = 0;
    int end = 0;
    while (m.find() && m.start() == end) {
      millis += Double.parseDouble(m.group(1)) * unitMillis(m.group(2));
      end = m.end();
    }
    if (end != text.length()) {
      throw new ConfigException(key + ": '" + text + "' is not a duration such as 90s, 15m or 1h");
    }
    return Duration.ofMillis(Math.round(millis));
  }

  private static long unitMillis(String unit) {
    return switch (unit) {
      case "ms" -> 1;
      case "s" -> 1_000;
      case "m" -> 60_000;
      default -> 3_600_000;
    };
  }

  /** Writes a duration like {@code 1h2m3.5s}, the form the stats show. */
  public static String format(Duration d) {
    long millis = Math.max(0, d.toMillis());
    long hours = millis / 3_600_000;
    long minutes = millis / 60_000 % 60;
    long ms = millis % 60_000;
    StringBuilder out = new StringBuilder();
    if (hours > 0) {
      out.append(hours).append('h');
    }
    if (hours > 0 || minutes > 0) {
      out.append(minutes).append('m');
    }
    out.append(ms / 1000);
    if (ms % 1000 != 0) {
      String fraction = String.format("%03d", ms % 1000).replaceAll("0+$", "");
      out.append('.').append(fraction);
    }
    return out.append('s').toString();
  }
}
