package dev.ferry.config;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.netty.util.NetUtil;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The settings of one node: the built-in defaults, then the configuration file, then the
 * {@code FERRY_*} environment variables, each overriding the one before.
 */
public record FerryConfig(
    HostPort listenAddr,
    HostPort tlsListenAddr,
    String tlsCertFile,
    String tlsKeyFile,
    String domain,
    String advertiseIP,
    HostPort adminListenAddr,
    String adminToken,
    Duration sessionTimeout,
    String clusterName,
    List<String> clusterMembers,
    int clusterPort,
    String clusterConfig,
    String stateFile,
    int ejectAfterFailures,
    Duration ejectFor,
    Duration requestHeaderTimeout,
    Duration clientIdleTimeout,
    Duration backendConnectTimeout,
    Duration backendResponseTimeout,
    Duration tcpIdleTimeout,
    int maxConnections,
    Duration drainTimeout,
    String accessLog,
    String accessLogFormat,
    String logFormat,
    JsonObject source) {

  /** Every key with its built-in default, in the order the documentation gives them. */
  public static final Map<String, Object> DEFAULTS = defaults();
  /** The highest accepted {@code ejectAfterFailures}. */
  public static final int MAX_EJECT_AFTER_FAILURES = 1000;

  /** The accepted values of {@code accessLogFormat} and {@code logFormat}. */
  public static final List<String> LOG_FORMATS = List.of("text", "json");

  /** The longest timeout accepted, so that every one fits the millisecond counts of Vert.x. */
  private static final Duration LONGEST = Duration.ofHours(24);

  private static Map<String, Object> defaults() {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("listenAddr", ":8080");
    d.put("tlsListenAddr", "");
    d.put("tlsCertFile", "");
    d.put("tlsKeyFile", "");
    d.put("domain", "ferry.local");
    d.put("advertiseIP", "");
    d.put("adminListenAddr", "127.0.0.1:9090");
    d.put("adminToken", "");
    d.put("sessionTimeout", "1h");
    d.put("clusterName", "ferry");
    d.put("clusterMembers", new JsonArray().add("127.0.0.1"));
    d.put("clusterPort", 5701);
    d.put("clusterConfig", "cluster.xml");
    d.put("stateFile", "");
    d.put("ejectAfterFailures", 3);
    d.put("ejectFor", "10s");
    d.put("requestHeaderTimeout", "15s");
    d.put("clientIdleTimeout", "60s");
    d.put("backendConnectTimeout", "5s");
    d.put("backendResponseTimeout", "60s");
    d.put("tcpIdleTimeout", "1h");
    d.put("maxConnections", 10000);
    d.put("drainTimeout", "10s");
    d.put("accessLog", "");
    d.put("accessLogFormat", "text");
    d.put("logFormat", "text");
    return Collections.unmodifiableMap(d);
  }

  /** Reads the file (when given, or {@code conf/ferry.json} when it exists) and the environment. */
  public static FerryConfig load(String file, Map<String, String> env) {
    JsonObject fromFile = new JsonObject();
    if (file != null) {
      fromFile = readFile(Path.of(file));
    } else if (Files.isRegularFile(Path.of("conf", "ferry.json"))) {
      fromFile = readFile(Path.of("conf", "ferry.json"));
    }
    return from(fromFile, env);
  }

  private static JsonObject readFile(Path path) {
    try {
      return new JsonObject(Files.readString(path));
    } catch (IOException e) {
      throw new ConfigException("cannot read configuration file " + path + ": " + e.getMessage());
    } catch (DecodeException | ClassCastException e) {
      throw new ConfigException("configuration file " + path + " is not a JSON object");
    }
  }

  /** Builds the configuration from explicit settings over the defaults, then the environment. */
  public static FerryConfig from(JsonObject settings, Map<String, String> env) {
    JsonObject merged = new JsonObject(new LinkedHashMap<>(DEFAULTS));
    for (String key : settings.fieldNames()) {
      if (!DEFAULTS.containsKey(key)) {
        throw new ConfigException("unknown configuration key '" + key + "'; known keys: "
            + String.join(", ", DEFAULTS.keySet()));
      }
      merged.put(key, settings.getValue(key));
    }
    for (String key : DEFAULTS.keySet()) {
      String value = env.get(envName(key));
      if (value != null) {
        merged.put(key, fromEnv(key, value));
      }
    }
    return build(merged);
  }

  /** {@code listenAddr} becomes {@code FERRY_LISTEN_ADDR}. */
  public static String envName(String key) {
    return "FERRY_" + key.replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
  }

  private static Object fromEnv(String key, String value) {
    if (key.equals("clusterMembers")) {
      if (value.trim().startsWith("[")) {
        try {
          return new JsonArray(value);
        } catch (DecodeException e) {
          throw new ConfigException(envName(key) + " is not a JSON array of host[:port]");
        }
      }
      JsonArray members = new JsonArray();
      for (String part : value.split(",")) {
        if (!part.isBlank()) {
          members.add(part.trim());
        }
      }
      return members;
    }
    if (key.equals("clusterPort") || key.equals("ejectAfterFailures")
        || key.equals("maxConnections")) {
      try {
        return Integer.parseInt(value.trim());
      } catch (NumberFormatException e) {
        throw new ConfigException(envName(key) + ": '" + value + "' is not a whole number");
      }
    }
    return value;
  }

  private static FerryConfig build(JsonObject c) {
    HostPort listen = HostPort.parse("listenAddr", string(c, "listenAddr"));
    String tlsText = string(c, "tlsListenAddr");
    HostPort tlsListen = tlsText.isEmpty() ? null : HostPort.parse("tlsListenAddr", tlsText);
    String cert = string(c, "tlsCertFile");
    String key = string(c, "tlsKeyFile");
    if (tlsListen != null) {
      requireReadable("tlsCertFile", cert);
      requireReadable("tlsKeyFile", key);
    }
    String domain = string(c, "domain").toLowerCase(Locale.ROOT);
    if (!HostNames.isHostName(domain)) {
      throw new ConfigException("domain: '" + domain + "' is not a DNS name");
    }
    String advertise = string(c, "advertiseIP");
    if (advertise.isEmpty()) {
      advertise = firstNonLoopbackAddress();
    } else if (!NetUtil.isValidIpV4Address(advertise) && !NetUtil.isValidIpV6Address(advertise)) {
      throw new ConfigException("advertiseIP: '" + advertise + "' is not an IP address");
    }
    HostPort admin = HostPort.parse("adminListenAddr", string(c, "adminListenAddr"));
    Duration timeout = Durations.parse("sessionTimeout", string(c, "sessionTimeout"));
    if (timeout.toMillis() < 1000) {
      throw new ConfigException("sessionTimeout: must be at least 1s");
    }
    String clusterName = string(c, "clusterName");
    if (clusterName.isBlank()) {
      throw new ConfigException("clusterName: must not be empty");
    }
    int clusterPort = integer(c, "clusterPort");
    HostPort.parsePort("clusterPort", Integer.toString(clusterPort));
    List<String> members = members(c);
    int ejectAfter = integer(c, "ejectAfterFailures");
    if (ejectAfter < 0 || ejectAfter > MAX_EJECT_AFTER_FAILURES) {
      throw new ConfigException("ejectAfterFailures: " + ejectAfter + " is outside 0-"
          + MAX_EJECT_AFTER_FAILURES + " (0 turns ejection off)");
    }
    Duration ejectFor = Durations.parse("ejectFor", string(c, "ejectFor"));
    if (ejectFor.toMillis() < 100 || ejectFor.toMillis() > 3_600_000) {
      throw new ConfigException("ejectFor: must be between 100ms and 1h");
    }
    int maxConnections = integer(c, "maxConnections");
    if (maxConnections < 1) {
      throw new ConfigException("maxConnections: must be at least 1, not " + maxConnections);
    }
    return new FerryConfig(listen, tlsListen, cert, key, domain, advertise, admin,
        string(c, "adminToken"), timeout, clusterName, members, clusterPort,
        string(c, "clusterConfig"), string(c, "stateFile"), ejectAfter, ejectFor,
        timeout(c, "requestHeaderTimeout"), timeout(c, "clientIdleTimeout"),
        timeout(c, "backendConnectTimeout"), timeout(c, "backendResponseTimeout"),
        timeout(c, "tcpIdleTimeout"), maxConnections, drainTimeout(c), accessLog(c),
        format(c, "accessLogFormat"), format(c, "logFormat"), c);
  }

  /** {@code ""}, {@code stdout}, or a file whose folder exists, so that it can be created. */
  private static String accessLog(JsonObject c) {
    String value = string(c, "accessLog");
    if (value.isEmpty() || value.equals("stdout")) {
      return value;
    }
    Path file = Path.of(value).toAbsolutePath();
    if (Files.isDirectory(file)) {
      throw new ConfigException("accessLog: " + value + " is a folder; give a file in it, "
          + "stdout, or \"\" to turn the access log off");
    }
    Path folder = file.getParent();
    if (folder == null || !Files.isDirectory(folder)) {
      throw new ConfigException("accessLog: the folder of " + value + " does not exist");
    }
    if (Files.exists(file) ? !Files.isWritable(file) : !Files.isWritable(folder)) {
      throw new ConfigException("accessLog: cannot write " + value);
    }
    return value;
  }

  private static String format(JsonObject c, String key) {
    String value = string(c, key);
    if (!LOG_FORMATS.contains(value)) {
      throw new ConfigException(key + ": must be text or json, not '" + value + "'");
    }
    return value;
  }

  /** A limit on waiting: at least 100ms, since a shorter one would cut off healthy traffic. */
  private static Duration timeout(JsonObject c, String key) {
    Duration d = Durations.parse(key, string(c, key));
    if (d.toMillis() < 100 || d.compareTo(LONGEST) > 0) {
      throw new ConfigException(key + ": must be from 100ms to 24h, not " + string(c, key));
    }
    return d;
  }

  private static Duration drainTimeout(JsonObject c) {
    Duration d = Durations.parse("drainTimeout", string(c, "drainTimeout"));
    if (d.compareTo(LONGEST) > 0) {
      throw new ConfigException("drainTimeout: must be at most 24h, not "
          + string(c, "drainTimeout"));
    }
    return d;
  }

  private static List<String> members(JsonObject c) {
    Object raw = c.getValue("clusterMembers");
    if (!(raw instanceof JsonArray array)) {
      throw new ConfigException("clusterMembers: must be a list of host[:port]");
    }
    List<String> members = new ArrayList<>();
    for (Object item : array) {
      if (!(item instanceof String member) || member.isBlank()) {
        throw new ConfigException("clusterMembers: '" + item + "' is not host[:port]");
      }
      if (member.lastIndexOf(':') > member.lastIndexOf(']')) {
        HostPort.parse("clusterMembers", member);
      }
      members.add(member);
    }
    return List.copyOf(members);
  }

  private static String string(JsonObject c, String key) {
    Object value = c.getValue(key);
    if (!(value instanceof String s)) {
      throw new ConfigException(key + ": must be a string, not " + value);
    }
    return s;
  }

  private static int integer(JsonObject c, String key) {
    Object value = c.getValue(key);
    if (!(value instanceof Integer i)) {
      throw new ConfigException(key + ": must be a whole number, not " + value);
    }
    return i;
  }

  private static void requireReadable(String key, String file) {
    if (file.isEmpty()) {
      throw new ConfigException(key + ": required when tlsListenAddr is set");
    }
    Path path = Path.of(file);
    if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
      throw new ConfigException(key + ": cannot read " + file);
    }
  }

  private static String firstNonLoopbackAddress() {
    try {
      for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!nic.isUp() || nic.isLoopback()) {
          continue;
        }
        for (InetAddress address : Collections.list(nic.getInetAddresses())) {
          if (address instanceof Inet4Address) {
            return address.getHostAddress();
          }
        }
      }
    } catch (SocketException e) {
      // No readable interface: loopback is the only address left to advertise.
    }
    return "127.0.0.1";
  }

  /** The configuration as {@code GET /proxy/configs} shows it, the token hidden. */
  public JsonObject toPublicJson() {
    JsonObject out = source.copy();
    out.put("advertiseIP", advertiseIP);
    if (!adminToken.isEmpty()) {
      out.put("adminToken", "***");
    }
    return out;
  }
}
