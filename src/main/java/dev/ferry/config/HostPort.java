package dev.ferry.config;

import io.netty.util.NetUtil;

/**
 * An address written {@code [host]:port}. An empty host means every interface. IPv6 hosts are
 * written in brackets, as in {@code [::1]:8080}.
 */
public record HostPort(String host, int port) {

  public static HostPort parse(String key, String text) {
    if (text == null || text.isBlank()) {
      throw new ConfigException(key + ": an address [host]:port is required");
    }
    int colon = text.lastIndexOf(':');
    if (colon < 0) {
      throw new ConfigException(key + ": '" + text + "' has no port; write [host]:port");
    }
    String host = text.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
      if (!NetUtil.isValidIpV6Address(host)) {
        throw new ConfigException(key + ": '" + host + "' in brackets is not an IPv6 address");
      }
    } else if (host.contains(":")) {
      throw new ConfigException(key + ": write an IPv6 host in brackets, as [::1]:8080");
    } else if (!host.isEmpty() && !NetUtil.isValidIpV4Address(host)
        && !HostNames.isHostName(host)) {
      throw new ConfigException(key + ": '" + host + "' is not an IP address or host name");
    }
    return new HostPort(host, parsePort(key, text.substring(colon + 1)));
  }

  static int parsePort(String key, String text) {
    if (!text.matches("\\d{1,5}")) {
      throw new ConfigException(key + ": port '" + text + "' is not a number from 1 to 65535");
    }
    int port = Integer.parseInt(text);
    if (port < 1 || port > 65535) {
      throw new ConfigException(key + ": port " + port + " is outside 1-65535");
    }
    return port;
  }

  /** The host to bind: every interface when none was written. */
  public String bindHost() {
    return host.isEmpty() ? "0.0.0.0" : host;
  }

  /** The host to connect to this address from the same machine. */
  public String connectHost() {
    return host.isEmpty() || host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
  }

  @Override
  public String toString() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
