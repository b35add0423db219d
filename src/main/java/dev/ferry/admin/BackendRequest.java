package dev.ferry.admin;

import dev.ferry.config.ConfigException;
import dev.ferry.config.Durations;
import dev.ferry.config.HostNames;
import dev.ferry.table.Backend;
import dev.ferry.table.HealthCheck;
import dev.ferry.table.UpstreamEdit;
import io.netty.util.NetUtil;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A parsed and checked body of {@code PUT} or {@code DELETE /proxy/upstreams}. Every fault
 * becomes a 400 that names the field; the field names follow the older API ({@code weihgt}).
 */
record BackendRequest(UpstreamEdit upstream, Backend backend, String backendId) {

  private static final Pattern BACKEND_ID =
      Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");
  /** Ids as they were accepted before the first character was restricted. */
  private static final Pattern STORED_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
  private static final int MAX_VERSION = 256;
  private static final Pattern CHECK_PATH = Pattern.compile("/[\\x21-\\x7e]{0,1023}");
  private static final Set<String> CHECK_FIELDS =
      Set.of("type", "path", "interval", "timeout", "healthy", "unhealthy");
  private static final Duration MIN_INTERVAL = Duration.ofMillis(100);
  private static final Duration MAX_INTERVAL = Duration.ofHours(1);
  private static final Duration MIN_TIMEOUT = Duration.ofMillis(10);
  private static final int MAX_COUNT = 100;

  /** {@code domain} is the routing suffix, under which no alias may lie. */
  static BackendRequest forPut(String body, String domain) {
    JsonObject json = parse(body);
    JsonObject up = object(json, "upstream");
    JsonObject be = object(json, "backend");
    String name = name(up);
    String alias = alias(optionalString(up, "upstream.alias"), domain);
    String listen = listen(optionalString(up, "upstream.listen"));
    Boolean sticky = optionalBoolean(up, "upstream.sticky");
    Optional<HealthCheck> check = up.containsKey("healthCheck")
        ? Optional.ofNullable(healthCheck(up.getValue("healthCheck"))) : null;
    String id = backendId(be, BACKEND_ID);
    String ip = ip(requiredString(be, "backend.ip"));
    int port = port(be.getValue("port"), "backend.port", true);
    String scheme = optionalString(be, "backend.scheme");
    scheme = scheme == null ? "" : scheme.toLowerCase(Locale.ROOT);
    if (!scheme.isEmpty() && !scheme.equals("http") && !scheme.equals("https")) {
      throw bad("backend.scheme: '" + scheme + "' must be http, https or empty");
    }
    String version = optionalString(be, "backend.version");
    if (version != null && version.length() > MAX_VERSION) {
      throw bad("backend.version: " + version.length() + " characters, at most " + MAX_VERSION);
    }
    int weight = weight(be);
    return new BackendRequest(new UpstreamEdit(name, alias, listen, sticky, check),
        new Backend(id, ip, port, scheme,
            version == null ? "" : version, weight), id);
  }

  static BackendRequest forDelete(String body) {
    JsonObject json = parse(body);
    String name = name(object(json, "upstream"));
    String id = backendId(object(json, "backend"), STORED_ID);
    return new BackendRequest(new UpstreamEdit(name, null, null, null), null, id);
  }

  private static JsonObject parse(String body) {
    if (body == null || body.isBlank()) {
      throw bad("the request has no body; send a JSON object with upstream and backend");
    }
    return StrictJson.object(body);
  }

  private static JsonObject object(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (value == null) {
      throw bad(field + " is required");
    }
    if (!(value instanceof JsonObject object)) {
      throw bad(field + " must be a JSON object");
    }
    return object;
  }

  private static String name(JsonObject up) {
    String name = requiredString(up, "upstream.name");
    if (!HostNames.isLabel(name)) {
      throw bad("upstream.name: '" + name + "' is not a DNS label"
          + " (letters, digits and inner hyphens, at most 63 characters)");
    }
    return name;
  }

  /** A delete takes any id a put ever took, so that backends stored earlier can go. */
  private static String backendId(JsonObject be, Pattern form) {
    String id = requiredString(be, "backend.id");
    if (!form.matcher(id).matches()) {
      throw bad("backend.id: '" + id + "' must be 1 to 128 letters, digits, '.', '_', ':' or"
          + " '-', starting with a letter or digit");
    }
    return id;
  }

  /**
   * Lower case, without a final dot. An alias under the routing domain would take over the
   * {@code <name>.<domain>} routes, so it is refused.
   */
  private static String alias(String text, String domain) {
    if (text == null) {
      return null;
    }
    String alias = text.toLowerCase(Locale.ROOT);
    if (alias.endsWith(".")) {
      alias = alias.substring(0, alias.length() - 1);
    }
    if (!alias.isEmpty() && !HostNames.isHostName(alias)) {
      throw bad("upstream.alias: '" + alias + "' is not a host name");
    }
    if (alias.endsWith("." + domain)) {
      throw new ApiError(409, "upstream.alias: " + alias + " is under the routing domain "
          + domain + ", whose hosts are reached by upstream name (<name>." + domain
          + "); choose an alias outside it");
    }
    return alias;
  }

  /**
   * The address in one form for each backend: IPv6 as RFC 5952 writes it ({@code ::1}, lower
   * case, no brackets), an IPv4-mapped IPv6 address as its IPv4 address. Zone ids are refused,
   * since resolving them would depend on the node, and so are IPv4 parts with leading zeros,
   * which some tools read as octal.
   */
  private static String ip(String text) {
    String ip = text.startsWith("[") && text.endsWith("]") && text.indexOf(':') > 0
        ? text.substring(1, text.length() - 1) : text;
    if (ip.indexOf('%') >= 0) {
      throw bad("backend.ip: '" + text + "' has a zone id; give the address without %<zone>");
    }
    if (!NetUtil.isValidIpV4Address(ip) && !NetUtil.isValidIpV6Address(ip)) {
      throw bad("backend.ip: '" + text + "' is not an IPv4 or IPv6 address");
    }
    String dotted = ip.indexOf('.') < 0 ? "" : ip.substring(ip.lastIndexOf(':') + 1);
    for (String octet : dotted.split("\\.")) {
      if (octet.length() > 1 && octet.charAt(0) == '0') {
        throw bad("backend.ip: '" + text + "' has a leading zero in a number; write "
            + "127.0.0.1, not 127.000.000.001");
      }
    }
    try {
      return NetUtil.toAddressString(InetAddress.getByAddress(
          NetUtil.createByteArrayFromIpAddressString(ip)));
    } catch (UnknownHostException e) {
      throw bad("backend.ip: '" + text + "' is not an IPv4 or IPv6 address");
    }
  }

  /** {@code [host]:port} becomes {@code :port}; the host part must be empty or an address. */
  private static String listen(String text) {
    if (text == null || text.isEmpty()) {
      return text;
    }
    int colon = text.lastIndexOf(':');
    if (colon < 0) {
      throw bad("upstream.listen: '" + text + "' must be [host]:port, as :7001");
    }
    String host = text.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    if (!host.isEmpty() && !NetUtil.isValidIpV4Address(host)
        && !NetUtil.isValidIpV6Address(host)) {
      throw bad("upstream.listen: host '" + host + "' must be empty or an IP address");
    }
    int port;
    try {
      port = Integer.parseInt(text.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw bad("upstream.listen: port '" + text.substring(colon + 1) + "' is not a number");
    }
    port(port, "upstream.listen", false);
    return ":" + port;
  }

  /** The check described by {@code value}; null when the caller sent null to remove it. */
  private static HealthCheck healthCheck(Object value) {
    if (value == null) {
      return null;
    }
    if (!(value instanceof JsonObject json)) {
      throw bad("upstream.healthCheck must be an object such as {\"type\": \"http\","
          + " \"path\": \"/healthz\"}, or null to remove the check");
    }
    for (String field : json.fieldNames()) {
      if (!CHECK_FIELDS.contains(field)) {
        throw bad("upstream.healthCheck." + field + " is not a field of a health check;"
            + " known fields: type, path, interval, timeout, healthy, unhealthy");
      }
    }
    String type = optionalString(json, "upstream.healthCheck.type");
    if (type == null || !(type.equals(HealthCheck.HTTP) || type.equals(HealthCheck.TCP))) {
      throw bad("upstream.healthCheck.type must be \"http\" or \"tcp\""
          + (type == null ? "" : ", not \"" + type + "\""));
    }
    String path = optionalString(json, "upstream.healthCheck.path");
    if (type.equals(HealthCheck.TCP) && path != null) {
      throw bad("upstream.healthCheck.path applies only to checks of type http");
    }
    if (type.equals(HealthCheck.HTTP)) {
      path = path == null ? "/" : path;
      if (!CHECK_PATH.matcher(path).matches()) {
        throw bad("upstream.healthCheck.path: '" + path + "' must start with / and hold no"
            + " spaces or control characters (at most 1024 characters)");
      }
    }
    Duration interval = checkDuration(json, "interval", "5s", MIN_INTERVAL, MAX_INTERVAL);
    Duration timeout = checkDuration(json, "timeout", "2s", MIN_TIMEOUT, MAX_INTERVAL);
    if (timeout.compareTo(interval) > 0) {
      throw bad("upstream.healthCheck.timeout: " + json.getValue("timeout", "2s")
          + " is longer than the interval " + json.getValue("interval", "5s")
          + "; a check must end before the next one starts");
    }
    return new HealthCheck(type, path == null ? "" : path, interval, timeout,
        checkCount(json, "healthy", 2), checkCount(json, "unhealthy", 3));
  }

  private static Duration checkDuration(JsonObject json, String field, String byDefault,
      Duration min, Duration max) {
    String name = "upstream.healthCheck." + field;
    String text = optionalString(json, name);
    Duration d;
    try {
      d = Durations.parse(name, text == null ? byDefault : text);
    } catch (ConfigException e) {
      throw bad(e.getMessage());
    }
    if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
      throw bad(name + ": " + text + " is outside " + min.toMillis() + "ms-1h");
    }
    return d;
  }

  private static int checkCount(JsonObject json, String field, int byDefault) {
    String name = "upstream.healthCheck." + field;
    Object value = json.getValue(field);
    if (value == null) {
      return byDefault;
    }
    int count = wholeNumber(value, name);
    if (count < 1 || count > MAX_COUNT) {
      throw bad(name + ": " + count + " is outside 1-" + MAX_COUNT);
    }
    return count;
  }

  private static int weight(JsonObject be) {
    Object weihgt = be.getValue("weihgt");
    Object weight = be.getValue("weight");
    if (weihgt != null && weight != null && !weihgt.equals(weight)) {
      throw bad("backend.weihgt and backend.weight differ; send one of them");
    }
    Object value = weihgt != null ? weihgt : weight;
    if (value == null) {
      return Backend.DEFAULT_WEIGHT;
    }
    String field = weihgt != null ? "backend.weihgt" : "backend.weight";
    int w = wholeNumber(value, field);
    if (w < 0 || w > Backend.MAX_WEIGHT) {
      throw bad(field + ": " + w + " is outside 0-" + Backend.MAX_WEIGHT);
    }
    return w;
  }

  private static int port(Object value, String field, boolean required) {
    if (value == null && required) {
      throw bad(field + " is required");
    }
    int port = wholeNumber(value, field);
    if (port < 1 || port > 65535) {
      throw bad(field + ": " + port + " is outside 1-65535");
    }
    return port;
  }

  private static int wholeNumber(Object value, String field) {
    if (value instanceof Integer i) {
      return i;
    }
    if (value instanceof Long || value instanceof java.math.BigInteger) {
      throw bad(field + ": " + value + " is out of range");
    }
    throw bad(field + " must be a whole number, not " + describe(value));
  }

  private static String requiredString(JsonObject json, String field) {
    String value = optionalString(json, field);
    if (value == null || value.isEmpty()) {
      throw bad(field + " is required");
    }
    return value;
  }

  private static String optionalString(JsonObject json, String field) {
    Object value = json.getValue(field.substring(field.lastIndexOf('.') + 1));
    if (value == null || value instanceof String) {
      return (String) value;
    }
    throw bad(field + " must be a string, not " + describe(value));
  }

  private static Boolean optionalBoolean(JsonObject json, String field) {
    Object value = json.getValue(field.substring(field.lastIndexOf('.') + 1));
    if (value == null || value instanceof Boolean) {
      return (Boolean) value;
    }
    throw bad(field + " must be true or false, not " + describe(value));
  }

  private static String describe(Object value) {
    if (value instanceof String s) {
      return "the string \"" + s + "\"";
    }
    if (value instanceof JsonObject) {
      return "an object";
    }
    if (value instanceof io.vertx.core.json.JsonArray) {
      return "a list";
    }
    return String.valueOf(value);
  }

  private static ApiError bad(String message) {
    return new ApiError(400, message);
  }
}
