package dev.ferry.http;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.net.HostAndPort;
import java.util.ArrayList;
import java.util.List;

/**
 * The headers a proxied message keeps: all but those meant for one hop, which are the fixed
 * hop-by-hop headers and whatever the message's Connection header names (a client could
 * otherwise name a header the backend trusts to have it dropped). Framing headers are left to
 * the forwarder, which frames each hop itself.
 */
final class ProxyHeaders {

  private static final CharSequence X_FORWARDED_FOR = HttpHeaders.createOptimized(
      "x-forwarded-for");
  private static final CharSequence X_FORWARDED_PROTO = HttpHeaders.createOptimized(
      "x-forwarded-proto");
  private static final CharSequence X_FORWARDED_HOST = HttpHeaders.createOptimized(
      "x-forwarded-host");

  private ProxyHeaders() {
  }

  /** Copies the end-to-end headers of {@code from} into {@code to}. */
  static void copyEndToEnd(MultiMap from, MultiMap to) {
    List<String> named = namedByConnection(from, true);
    from.forEach((name, value) -> {
      if (!isHopByHop(name) && (named == null || !contains(named, name))) {
        to.add(name, value);
      }
    });
  }

  /** Adds X-Forwarded-For (after any the client sent), -Proto and -Host. */
  static void addForwarded(MultiMap headers, String clientIp, boolean tls,
      HostAndPort authority) {
    List<String> prior = headers.getAll(X_FORWARDED_FOR);
    headers.set(X_FORWARDED_FOR,
        prior.isEmpty() ? clientIp : String.join(", ", prior) + ", " + clientIp);
    headers.set(X_FORWARDED_PROTO, tls ? "https" : "http");
    if (authority != null) {
      headers.set(X_FORWARDED_HOST, authority.toString());
    }
  }

  /**
   * Removes from {@code headers} those its Connection header names; "upgrade" only when
   * {@code withUpgrade}, since a WebSocket handshake needs its Upgrade header.
   */
  static void removeNamedByConnection(MultiMap headers, boolean withUpgrade) {
    List<String> named = namedByConnection(headers, withUpgrade);
    if (named != null) {
      for (String name : named) {
        headers.remove(name);
      }
    }
  }

  /** The header names listed in Connection; null when it lists none (the usual case). */
  private static List<String> namedByConnection(MultiMap headers, boolean withUpgrade) {
    if (!headers.contains(HttpHeaders.CONNECTION)) {
      return null;
    }
    List<String> named = null;
    for (String value : headers.getAll(HttpHeaders.CONNECTION)) {
      for (String name : value.split(",")) {
        name = name.trim();
        if (!name.isEmpty() && (withUpgrade || !name.equalsIgnoreCase("upgrade"))) {
          if (named == null) {
            named = new ArrayList<>(2);
          }
          named.add(name);
        }
      }
    }
    return named;
  }

  private static boolean contains(List<String> names, String name) {
    for (String n : names) {
      if (n.equalsIgnoreCase(name)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether a header belongs to one connection: those RFC 9110 names, the Proxy-Connection of
   * older clients, the proxy authentication pair of RFC 2616, and Transfer-Encoding, which
   * each hop sets for itself.
   */
  static boolean isHopByHop(String name) {
    switch (name.length()) {
      case 2:
        return name.equalsIgnoreCase("te");
      case 7:
        return name.equalsIgnoreCase("upgrade") || name.equalsIgnoreCase("trailer");
      case 10:
        return name.equalsIgnoreCase("connection") || name.equalsIgnoreCase("keep-alive");
      case 16:
        return name.equalsIgnoreCase("proxy-connection");
      case 17:
        return name.equalsIgnoreCase("transfer-encoding");
      case 18:
        return name.equalsIgnoreCase("proxy-authenticate");
      case 19:
        return name.equalsIgnoreCase("proxy-authorization");
      default:
        return false;
    }
  }
}
