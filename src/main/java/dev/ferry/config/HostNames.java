package dev.ferry.config;

import java.util.regex.Pattern;

/** Checks of the names that Ferry routes by. */
public final class HostNames {

  private static final Pattern LABEL =
      Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");

  private HostNames() {
  }

  /** A DNS label: letters, digits and inner hyphens, at most 63 characters. */
  public static boolean isLabel(String text) {
    return text != null && LABEL.matcher(text).matches();
  }

  /** A DNS name: labels joined by dots, at most 253 characters. */
  public static boolean isHostName(String text) {
    if (text == null || text.isEmpty() || text.length() > 253) {
      return false;
    }
    for (String label : text.split("\\.", -1)) {
      if (!isLabel(label)) {
        return false;
      }
    }
    return true;
  }
}
