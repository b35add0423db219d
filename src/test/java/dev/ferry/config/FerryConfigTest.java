package dev.ferry.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class FerryConfigTest {

  @TempDir
  Path dir;

  private static FerryConfig from(JsonObject settings) {
    return FerryConfig.from(settings, Map.of());
  }

  private static ConfigException refused(JsonObject settings) {
    return assertThrows(ConfigException.class, () -> from(settings));
  }

  private static void assertNames(String expected, ConfigException e) {
    assertTrue(e.getMessage().contains(expected),
        "message should name " + expected + ": " + e.getMessage());
  }

  @Test
  void defaultsAreTheContractTable() {
    FerryConfig c = from(new JsonObject());

    assertEquals(new HostPort("", 8080), c.listenAddr());
    assertNull(c.tlsListenAddr());
    assertEquals("", c.tlsCertFile());
    assertEquals("", c.tlsKeyFile());
    assertEquals("ferry.local", c.domain());
    assertEquals(new HostPort("127.0.0.1", 9090), c.adminListenAddr());
    assertEquals("", c.adminToken());
    assertEquals(Duration.ofHours(1), c.sessionTimeout());
    assertEquals("ferry", c.clusterName());
    assertEquals(List.of("127.0.0.1"), c.clusterMembers());
    assertEquals(5701, c.clusterPort());
    assertEquals("cluster.xml", c.clusterConfig());
    assertEquals("", c.stateFile());
  }

  @Test
  void defaultTimeoutsAndLimitsAreThoseOfTheReadme() {
    FerryConfig c = from(new JsonObject());

    assertEquals(Duration.ofSeconds(15), c.requestHeaderTimeout());
    assertEquals(Duration.ofSeconds(60), c.clientIdleTimeout());
    assertEquals(Duration.ofSeconds(5), c.backendConnectTimeout());
    assertEquals(Duration.ofSeconds(60), c.backendResponseTimeout());
    assertEquals(Duration.ofHours(1), c.tcpIdleTimeout());
    assertEquals(10_000, c.maxConnections());
    assertEquals(Duration.ofSeconds(10), c.drainTimeout());
  }

  @Test
  void defaultsListEveryKeyOfTheContractInItsOrder() {
    assertEquals(List.of("listenAddr", "tlsListenAddr", "tlsCertFile", "tlsKeyFile", "domain",
        "advertiseIP", "adminListenAddr", "adminToken", "sessionTimeout", "clusterName",
        "clusterMembers", "clusterPort", "clusterConfig", "stateFile", "ejectAfterFailures",
        "ejectFor", "requestHeaderTimeout", "clientIdleTimeout", "backendConnectTimeout",
        "backendResponseTimeout", "tcpIdleTimeout", "maxConnections", "drainTimeout",
        "accessLog", "accessLogFormat", "logFormat"),
        List.copyOf(FerryConfig.DEFAULTS.keySet()));
  }

  @Test
  void logsAreTextAndTheAccessLogIsOffByDefault() {
    FerryConfig c = from(new JsonObject());

    assertEquals("", c.accessLog());
    assertEquals("text", c.accessLogFormat());
    assertEquals("text", c.logFormat());
  }

  @Test
  void accessLogGoesToStdoutOrAFileInAnExistingFolder() {
    Path file = dir.resolve("access.log");

    assertEquals("stdout", from(new JsonObject().put("accessLog", "stdout")).accessLog());
    FerryConfig c = from(new JsonObject().put("accessLog", file.toString())
        .put("accessLogFormat", "json").put("logFormat", "json"));
    assertEquals(file.toString(), c.accessLog());
    assertEquals("json", c.accessLogFormat());
    assertEquals("json", c.logFormat());
  }

  @Test
  void accessLogInAMissingFolderOrOnAFolderIsRefused() {
    assertNames("does not exist", refused(new JsonObject()
        .put("accessLog", dir.resolve("nowhere").resolve("access.log").toString())));
    assertNames("is a folder", refused(new JsonObject().put("accessLog", dir.toString())));
    assertNames("accessLog: must be a string", refused(new JsonObject().put("accessLog", 1)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"accessLogFormat", "logFormat"})
  void logFormatsAreTextOrJson(String key) {
    ConfigException e = refused(new JsonObject().put(key, "xml"));
    assertNames(key + ": must be text or json, not 'xml'", e);
  }

  @Test
  void logSettingsComeFromTheEnvironment() {
    FerryConfig c = FerryConfig.from(new JsonObject(), Map.of(
        "FERRY_ACCESS_LOG", "stdout", "FERRY_ACCESS_LOG_FORMAT", "json",
        "FERRY_LOG_FORMAT", "json"));

    assertEquals("stdout", c.accessLog());
    assertEquals("json", c.accessLogFormat());
    assertEquals("json", c.logFormat());
  }

  @Test
  void timeoutsAndLimitsCanBeSet() {
    FerryConfig c = from(new JsonObject()
        .put("requestHeaderTimeout", "2s")
        .put("clientIdleTimeout", "90s")
        .put("backendConnectTimeout", "250ms")
        .put("backendResponseTimeout", "5m")
        .put("tcpIdleTimeout", "24h")
        .put("maxConnections", 5)
        .put("drainTimeout", "0s"));

    assertEquals(Duration.ofSeconds(2), c.requestHeaderTimeout());
    assertEquals(Duration.ofSeconds(90), c.clientIdleTimeout());
    assertEquals(Duration.ofMillis(250), c.backendConnectTimeout());
    assertEquals(Duration.ofMinutes(5), c.backendResponseTimeout());
    assertEquals(Duration.ofHours(24), c.tcpIdleTimeout());
    assertEquals(5, c.maxConnections());
    assertEquals(Duration.ZERO, c.drainTimeout());
  }

  @Test
  void timeoutsAndLimitsComeFromTheEnvironment() {
    FerryConfig c = FerryConfig.from(new JsonObject().put("maxConnections", 7), Map.of(
        "FERRY_REQUEST_HEADER_TIMEOUT", "3s",
        "FERRY_BACKEND_RESPONSE_TIMEOUT", "2m",
        "FERRY_MAX_CONNECTIONS", " 20000 ",
        "FERRY_DRAIN_TIMEOUT", "30s"));

    assertEquals(Duration.ofSeconds(3), c.requestHeaderTimeout());
    assertEquals(Duration.ofMinutes(2), c.backendResponseTimeout());
    assertEquals(20_000, c.maxConnections());
    assertEquals(Duration.ofSeconds(30), c.drainTimeout());
  }

  @ParameterizedTest
  @CsvSource({
      "requestHeaderTimeout, 15", "requestHeaderTimeout, 0s", "requestHeaderTimeout, 99ms",
      "clientIdleTimeout, ''", "clientIdleTimeout, 25h",
      "backendConnectTimeout, 0s", "backendConnectTimeout, five seconds",
      "backendResponseTimeout, 50ms", "backendResponseTimeout, 1d",
      "tcpIdleTimeout, 0s", "tcpIdleTimeout, 24h1s",
      "drainTimeout, -1s", "drainTimeout, 25h", "drainTimeout, ''"})
  void timeoutOutOfRangeOrUnreadableIsRefusedNamingTheKey(String key, String value) {
    ConfigException e = refused(new JsonObject().put(key, value));

    assertNames(key, e);
  }

  @Test
  void timeoutBelowItsFloorSaysWhatIsAccepted() {
    ConfigException e = refused(new JsonObject().put("requestHeaderTimeout", "10ms"));

    assertNames("requestHeaderTimeout: must be from 100ms to 24h", e);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1})
  void maxConnectionsBelowOneIsRefused(int max) {
    ConfigException e = refused(new JsonObject().put("maxConnections", max));

    assertNames("maxConnections: must be at least 1", e);
  }

  @Test
  void maxConnectionsMustBeAWholeNumber() {
    assertNames("maxConnections", refused(new JsonObject().put("maxConnections", "many")));
    assertNames("maxConnections", refused(new JsonObject().put("maxConnections", 10.5)));
    assertNames("FERRY_MAX_CONNECTIONS", assertThrows(ConfigException.class,
        () -> FerryConfig.from(new JsonObject(), Map.of("FERRY_MAX_CONNECTIONS", "lots"))));
  }

  @Test
  void defaultAdvertiseIpIsAnAddressOfThisMachine() {
    String ip = from(new JsonObject()).advertiseIP();

    assertFalse(ip.isEmpty());
    assertTrue(ip.matches("\\d+\\.\\d+\\.\\d+\\.\\d+"), ip);
  }

  @Test
  void settingsOverrideDefaults() {
    FerryConfig c = from(new JsonObject()
        .put("listenAddr", "127.0.0.1:18080")
        .put("domain", "Apps.Example.COM")
        .put("advertiseIP", "10.1.2.3")
        .put("adminListenAddr", ":19090")
        .put("adminToken", "s3cret")
        .put("sessionTimeout", "15m")
        .put("clusterName", "blue")
        .put("clusterMembers", new JsonArray().add("10.0.0.1").add("10.0.0.2:5801"))
        .put("clusterPort", 5801)
        .put("clusterConfig", "")
        .put("stateFile", "/var/lib/ferry/table.json"));

    assertEquals(new HostPort("127.0.0.1", 18080), c.listenAddr());
    assertEquals("apps.example.com", c.domain());
    assertEquals("10.1.2.3", c.advertiseIP());
    assertEquals(new HostPort("", 19090), c.adminListenAddr());
    assertEquals("s3cret", c.adminToken());
    assertEquals(Duration.ofMinutes(15), c.sessionTimeout());
    assertEquals("blue", c.clusterName());
    assertEquals(List.of("10.0.0.1", "10.0.0.2:5801"), c.clusterMembers());
    assertEquals(5801, c.clusterPort());
    assertEquals("", c.clusterConfig());
    assertEquals("/var/lib/ferry/table.json", c.stateFile());
  }

  @Test
  void publicJsonHidesTheToken() {
    JsonObject shown = from(new JsonObject().put("adminToken", "s3cret")
        .put("advertiseIP", "10.1.2.3")).toPublicJson();

    assertEquals("***", shown.getString("adminToken"));
    assertEquals("10.1.2.3", shown.getString("advertiseIP"));
    assertEquals(FerryConfig.DEFAULTS.keySet(), shown.fieldNames());
  }

  @Test
  void environmentWinsOverTheFile() {
    JsonObject file = new JsonObject()
        .put("listenAddr", "127.0.0.1:18080")
        .put("clusterName", "from-file")
        .put("clusterPort", 5801)
        .put("sessionTimeout", "15m");
    Map<String, String> env = Map.of(
        "FERRY_LISTEN_ADDR", "127.0.0.1:28080",
        "FERRY_CLUSTER_NAME", "from-env",
        "FERRY_CLUSTER_PORT", "6801",
        "FERRY_ADVERTISE_IP", "10.9.8.7",
        "FERRY_ADMIN_TOKEN", "t0ken",
        "FERRY_UNRELATED", "ignored");

    FerryConfig c = FerryConfig.from(file, env);

    assertEquals(new HostPort("127.0.0.1", 28080), c.listenAddr());
    assertEquals("from-env", c.clusterName());
    assertEquals(6801, c.clusterPort());
    assertEquals("10.9.8.7", c.advertiseIP());
    assertEquals("t0ken", c.adminToken());
    assertEquals(Duration.ofMinutes(15), c.sessionTimeout());
  }

  @Test
  void clusterMembersFromEnvironmentAsCommaList() {
    FerryConfig c = FerryConfig.from(new JsonObject(),
        Map.of("FERRY_CLUSTER_MEMBERS", "10.0.0.1, 10.0.0.2:5801,,"));

    assertEquals(List.of("10.0.0.1", "10.0.0.2:5801"), c.clusterMembers());
  }

  @Test
  void clusterMembersFromEnvironmentAsJsonArray() {
    FerryConfig c = FerryConfig.from(new JsonObject(),
        Map.of("FERRY_CLUSTER_MEMBERS", " [\"10.0.0.1\", \"[::1]:5801\"]"));

    assertEquals(List.of("10.0.0.1", "[::1]:5801"), c.clusterMembers());
  }

  @Test
  void malformedClusterMembersArrayInEnvironmentIsRefused() {
    ConfigException e = assertThrows(ConfigException.class, () -> FerryConfig.from(
        new JsonObject(), Map.of("FERRY_CLUSTER_MEMBERS", "[\"10.0.0.1\"")));

    assertNames("FERRY_CLUSTER_MEMBERS", e);
  }

  @Test
  void clusterPortFromEnvironmentMustBeANumber() {
    ConfigException e = assertThrows(ConfigException.class, () -> FerryConfig.from(
        new JsonObject(), Map.of("FERRY_CLUSTER_PORT", "abc")));

    assertNames("FERRY_CLUSTER_PORT", e);
  }

  @ParameterizedTest
  @CsvSource({
      "listenAddr, FERRY_LISTEN_ADDR",
      "tlsListenAddr, FERRY_TLS_LISTEN_ADDR",
      "tlsCertFile, FERRY_TLS_CERT_FILE",
      "advertiseIP, FERRY_ADVERTISE_IP",
      "adminListenAddr, FERRY_ADMIN_LISTEN_ADDR",
      "sessionTimeout, FERRY_SESSION_TIMEOUT",
      "clusterMembers, FERRY_CLUSTER_MEMBERS",
      "clusterPort, FERRY_CLUSTER_PORT",
      "requestHeaderTimeout, FERRY_REQUEST_HEADER_TIMEOUT",
      "maxConnections, FERRY_MAX_CONNECTIONS",
      "stateFile, FERRY_STATE_FILE",
      "domain, FERRY_DOMAIN"})
  void environmentNameIsTheKeyInUpperSnakeCase(String key, String name) {
    assertEquals(name, FerryConfig.envName(key));
  }

  @ParameterizedTest
  @CsvSource({
      "90s, 90000",
      "15m, 900000",
      "1h, 3600000",
      "1h30m, 5400000",
      "250ms, 250",
      "1m30s, 90000",
      "1.5s, 1500",
      "2h0m5s, 7205000"})
  void durationsAreParsedAsGoWritesThem(String text, long millis) {
    assertEquals(Duration.ofMillis(millis), Durations.parse("sessionTimeout", text));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "90", "s", "1x", "1h 30m", " 1h", "-1s", "1.5.2s", "5mm", "h1",
      "1d"})
  void badDurationsAreRefusedNamingTheKey(String text) {
    ConfigException e = assertThrows(ConfigException.class,
        () -> Durations.parse("sessionTimeout", text));

    assertNames("sessionTimeout", e);
  }

  @Test
  void durationsAreFormattedAsTheStatsShowThem() {
    assertEquals("1h2m3.5s", Durations.format(Duration.ofMillis(3_723_500)));
    assertEquals("0s", Durations.format(Duration.ZERO));
    assertEquals("16m28.736s", Durations.format(Duration.ofMillis(988_736)));
    assertEquals("1h0m0s", Durations.format(Duration.ofHours(1)));
    assertEquals("1m0s", Durations.format(Duration.ofSeconds(60)));
    assertEquals("59.01s", Durations.format(Duration.ofMillis(59_010)));
    assertEquals("0s", Durations.format(Duration.ofSeconds(-5)));
  }

  @Test
  void hostPortAcceptsEmptyHostAddressesAndBracketedIpv6() {
    assertEquals(new HostPort("", 8080), HostPort.parse("listenAddr", ":8080"));
    assertEquals(new HostPort("127.0.0.1", 80), HostPort.parse("listenAddr", "127.0.0.1:80"));
    assertEquals(new HostPort("::1", 8080), HostPort.parse("listenAddr", "[::1]:8080"));
    assertEquals(new HostPort("proxy.example.com", 443),
        HostPort.parse("listenAddr", "proxy.example.com:443"));
  }

  @Test
  void hostPortIsWrittenBackAsItWasRead() {
    assertEquals(":8080", HostPort.parse("k", ":8080").toString());
    assertEquals("[::1]:8080", HostPort.parse("k", "[::1]:8080").toString());
    assertEquals("0.0.0.0", HostPort.parse("k", ":8080").bindHost());
    assertEquals("127.0.0.1", HostPort.parse("k", ":8080").connectHost());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "8080", "localhost", "::1:8080", "[::1]", "127.0.0.1:",
      "127.0.0.1:http", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:+80",
      "bad host:80", "[not-ipv6]:80", "exa_mple.com:80"})
  void badAddressesAreRefusedNamingTheKey(String text) {
    ConfigException e = assertThrows(ConfigException.class,
        () -> HostPort.parse("listenAddr", text));

    assertNames("listenAddr", e);
  }

  @Test
  void unknownKeyIsRefusedNamingIt() {
    ConfigException e = refused(new JsonObject().put("listenAdr", ":8080"));

    assertNames("listenAdr", e);
    assertNames("listenAddr", e);
  }

  @ParameterizedTest
  @ValueSource(strings = {"listenAddr", "adminListenAddr", "tlsListenAddr"})
  void badAddressIsRefusedNamingTheKey(String key) {
    assertNames(key, refused(new JsonObject().put(key, "nowhere")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"listenAddr", "adminListenAddr"})
  void portOutOfRangeIsRefusedNamingTheKey(String key) {
    ConfigException e = refused(new JsonObject().put(key, "127.0.0.1:70000"));

    assertNames(key, e);
    assertNames("70000", e);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1, 65536})
  void clusterPortOutOfRangeIsRefused(int port) {
    assertNames("clusterPort", refused(new JsonObject().put("clusterPort", port)));
  }

  @Test
  void wrongTypesAreRefusedNamingTheKey() {
    assertNames("listenAddr", refused(new JsonObject().put("listenAddr", 8080)));
    assertNames("clusterPort", refused(new JsonObject().put("clusterPort", "5701")));
    assertNames("clusterPort", refused(new JsonObject().put("clusterPort", 5701.5)));
    assertNames("clusterMembers", refused(new JsonObject().put("clusterMembers", "10.0.0.1")));
    assertNames("clusterMembers",
        refused(new JsonObject().put("clusterMembers", new JsonArray().add(5701))));
    assertNames("adminToken", refused(new JsonObject().put("adminToken", true)));
    assertNames("sessionTimeout", refused(new JsonObject().put("sessionTimeout", 3600)));
    assertNames("domain", refused(new JsonObject().putNull("domain")));
  }

  @Test
  void badClusterMemberIsRefused() {
    assertNames("clusterMembers", refused(new JsonObject()
        .put("clusterMembers", new JsonArray().add("10.0.0.1:port"))));
    assertNames("clusterMembers", refused(new JsonObject()
        .put("clusterMembers", new JsonArray().add(" "))));
  }

  @ParameterizedTest
  @ValueSource(strings = {"1 hour", "", "60"})
  void badSessionTimeoutIsRefused(String text) {
    assertNames("sessionTimeout", refused(new JsonObject().put("sessionTimeout", text)));
  }

  @Test
  void sessionTimeoutBelowOneSecondIsRefused() {
    assertNames("sessionTimeout", refused(new JsonObject().put("sessionTimeout", "250ms")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"not-an-ip", "300.1.1.1", "10.0.0", "example.com", "::1::2"})
  void badAdvertiseIpIsRefused(String ip) {
    assertNames("advertiseIP", refused(new JsonObject().put("advertiseIP", ip)));
  }

  @Test
  void ipv6AdvertiseIpIsAccepted() {
    assertEquals("fd00::1", from(new JsonObject().put("advertiseIP", "fd00::1")).advertiseIP());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "bad_domain", "-ferry.local", "ferry..local",
      "ferry local"})
  void badDomainIsRefused(String domain) {
    assertNames("domain", refused(new JsonObject().put("domain", domain)));
  }

  @Test
  void emptyClusterNameIsRefused() {
    assertNames("clusterName", refused(new JsonObject().put("clusterName", " ")));
  }

  @Test
  void tlsListenerNeedsCertificateAndKey() {
    assertNames("tlsCertFile", refused(new JsonObject().put("tlsListenAddr", ":8443")));

    assertNames("tlsCertFile", refused(new JsonObject().put("tlsListenAddr", ":8443")
        .put("tlsCertFile", dir.resolve("missing.pem").toString())
        .put("tlsKeyFile", dir.resolve("missing.key").toString())));
  }

  @Test
  void tlsListenerNeedsReadableKeyFile() throws IOException {
    Path cert = Files.writeString(dir.resolve("cert.pem"), "not checked here");

    assertNames("tlsKeyFile", refused(new JsonObject().put("tlsListenAddr", ":8443")
        .put("tlsCertFile", cert.toString())));
    assertNames("tlsKeyFile", refused(new JsonObject().put("tlsListenAddr", ":8443")
        .put("tlsCertFile", cert.toString())
        .put("tlsKeyFile", dir.resolve("missing.key").toString())));
  }

  @Test
  void tlsCertificateThatIsADirectoryIsRefused() throws IOException {
    Path key = Files.writeString(dir.resolve("key.pem"), "not checked here");

    assertNames("tlsCertFile", refused(new JsonObject().put("tlsListenAddr", ":8443")
        .put("tlsCertFile", dir.toString())
        .put("tlsKeyFile", key.toString())));
  }

  @Test
  void tlsListenerWithReadableFilesIsAccepted() throws IOException {
    Path cert = Files.writeString(dir.resolve("cert.pem"), "not checked here");
    Path key = Files.writeString(dir.resolve("key.pem"), "not checked here");

    FerryConfig c = from(new JsonObject().put("tlsListenAddr", "127.0.0.1:8443")
        .put("tlsCertFile", cert.toString()).put("tlsKeyFile", key.toString()));

    assertEquals(new HostPort("127.0.0.1", 8443), c.tlsListenAddr());
  }

  @Test
  void configurationFileIsReadAndEnvironmentWinsOverIt() throws IOException {
    Path file = Files.writeString(dir.resolve("ferry.json"),
        "{\"clusterName\": \"from-file\", \"domain\": \"apps.test\"}");

    FerryConfig c = FerryConfig.load(file.toString(), Map.of("FERRY_DOMAIN", "env.test"));

    assertEquals("from-file", c.clusterName());
    assertEquals("env.test", c.domain());
  }

  @Test
  void missingConfigurationFileIsRefusedNamingIt() {
    String file = dir.resolve("absent.json").toString();

    ConfigException e = assertThrows(ConfigException.class,
        () -> FerryConfig.load(file, Map.of()));

    assertNames(file, e);
  }

  @Test
  void configurationFileThatIsADirectoryIsRefused() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> FerryConfig.load(dir.toString(), Map.of()));

    assertNames(dir.toString(), e);
  }

  @ParameterizedTest
  @ValueSource(strings = {"{", "{\"listenAddr\": }", "[1, 2]", "\"text\"", "42", "null", "",
      "  ", "{} {}"})
  void malformedConfigurationFileIsRefusedNamingIt(String content) throws IOException {
    Path file = Files.writeString(dir.resolve("ferry.json"), content);

    ConfigException e = assertThrows(ConfigException.class,
        () -> FerryConfig.load(file.toString(), Map.of()));

    assertNames(file.toString(), e);
  }

  @Test
  void everyMessageIsOneLine() throws IOException {
    Path file = Files.writeString(dir.resolve("ferry.json"), "{\n  \"listenAddr\": \n}\n");

    ConfigException e = assertThrows(ConfigException.class,
        () -> FerryConfig.load(file.toString(), Map.of()));

    assertFalse(e.getMessage().contains("\n"), e.getMessage());
  }
}
