package dev.ferry.http;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.HostAndPort;
import java.util.List;
import java.util.Locale;

/**
 * What a request must satisfy before it is routed, beyond what Vert.x enforces. Each refused
 * request is one that the proxy and a backend could read differently: a repeated Host header
 * (routed by one, served by the other), a missing or malformed one, an absolute-form target
 * of another scheme than http(s) or naming another host or port than the Host header, a
 * transfer coding other than chunked alone or in an HTTP/1.0 request (where its body ends is
 * then unknown), or a request target with bytes outside printable ASCII: Vert.x passes
 * control bytes on as they are, and re-encodes bytes above 0x7f as UTF-8, so the backend
 * would get another target than the client sent.
 */
final class RequestCheck {

  private RequestCheck() {
  }

  /** Why the request must be answered 400; null when it may be routed. */
  static String refusal(HttpServerRequest request) {
    if (!isPrintableAscii(request.uri())) {
      return "the request target holds a control character or a non-ASCII byte;"
          + " percent-encode it";
    }
    if (request.headers().contains(HttpHeaders.TRANSFER_ENCODING)) {
      if (request.version() == HttpVersion.HTTP_1_0) {
        return "an HTTP/1.0 request cannot have a Transfer-Encoding";
      }
      List<String> codings = request.headers().getAll(HttpHeaders.TRANSFER_ENCODING);
      if (codings.size() > 1 || !codings.get(0).trim().equalsIgnoreCase("chunked")) {
        return "Transfer-Encoding " + String.join(", ", codings)
            + " is not taken; only chunked is";
      }
    }
    List<String> hosts = request.headers().getAll(HttpHeaders.HOST);
    if (hosts.size() > 1) {
      return "the request has more than one Host header";
    }
    if (hosts.isEmpty()) {
      // HTTP/1.0 clients may leave it out; they get the 404 of a host that matches nothing.
      return request.version() == HttpVersion.HTTP_1_0 ? null
          : "an HTTP/1.1 request needs a Host header";
    }
    HostAndPort authority = request.authority();
    if (authority == null || authority.host().isEmpty()) {
      return "the Host header is not a host name with an optional port";
    }
    String target = request.uri();
    if (!target.startsWith("/") && target.contains("://")) {
      return absoluteFormRefusal(target, authority);
    }
    return null;
  }

  /** Whether the client waits for "100 Continue" before it sends its body. */
  static boolean expectsContinue(HttpServerRequest request) {
    return request.version() == HttpVersion.HTTP_1_1
        && "100-continue".equalsIgnoreCase(request.getHeader(HttpHeaders.EXPECT));
  }

  /**
   * Why an absolute-form target ("http://host:port/path") may not be routed by its Host header:
   * another scheme than http or https, or another host or port than Host names (a missing port
   * being the scheme's default). Null when it agrees.
   */
  private static String absoluteFormRefusal(String target, HostAndPort host) {
    int schemeEnd = target.indexOf("://");
    String scheme = target.substring(0, schemeEnd).toLowerCase(Locale.ROOT);
    int defaultPort = scheme.equals("http") ? 80 : scheme.equals("https") ? 443 : -1;
    if (defaultPort < 0) {
      return "the request target's scheme " + scheme + " is not http or https";
    }
    int end = schemeEnd + 3;
    while (end < target.length() && "/?#".indexOf(target.charAt(end)) < 0) {
      end++;
    }
    String named = target.substring(schemeEnd + 3, end);
    HostAndPort parsed = HostAndPort.parseAuthority(named, defaultPort);
    int hostPort = host.port() < 0 ? defaultPort : host.port();
    if (parsed == null || !parsed.host().equalsIgnoreCase(host.host())
        || (parsed.port() < 0 ? defaultPort : parsed.port()) != hostPort) {
      return "the request target names host " + named + " but the Host header says "
          + host;
    }
    return null;
  }

  private static boolean isPrintableAscii(String target) {
    for (int i = 0; i < target.length(); i++) {
      char c = target.charAt(i);
      if (c <= ' ' || c >= 0x7f) {
        return false;
      }
    }
    return true;
  }
}
