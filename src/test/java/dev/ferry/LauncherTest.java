package dev.ferry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.testing.AdminClient;
import dev.ferry.testing.Backends;
import dev.ferry.testing.Ports;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.transport.Transport;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Ferry nodes started as the operator starts them: a separate {@code java} process with a
 * configuration file or environment, stopped with SIGTERM.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class LauncherTest {

  private static final List<String> JVM_FLAGS = List.of(
      "-Xmx256m",
      "--add-modules", "java.se",
      "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang=ALL-UNNAMED",
      "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens", "java.management/sun.management=ALL-UNNAMED",
      "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED");

  private static final Duration START_LIMIT = Duration.ofSeconds(90);
  private static final Duration REFUSAL_LIMIT = Duration.ofSeconds(20);

  @TempDir
  Path dir;

  private final List<Process> processes = new ArrayList<>();
  private final List<ServerSocket> blockers = new ArrayList<>();
  private Vertx vertx;

  /** Free loopback ports and a cluster of its own for one node. */
  private record Node(int httpPort, int adminPort, int clusterPort, String clusterName) {

    static Node fresh() {
      return new Node(Ports.free(), Ports.free(), Ports.free(),
          "ferry-launcher-" + UUID.randomUUID());
    }

    JsonObject settings() {
      return new JsonObject()
          .put("listenAddr", "127.0.0.1:" + httpPort)
          .put("adminListenAddr", "127.0.0.1:" + adminPort)
          .put("advertiseIP", "127.0.0.1")
          .put("clusterName", clusterName)
          .put("clusterPort", clusterPort)
          .put("clusterMembers", new JsonArray().add("127.0.0.1:" + clusterPort))
          .put("clusterConfig", "");
    }

    /**
     * The same settings as environment variables. Every launch gets them unless a test says
     * otherwise, so that a node that ignored its file would still never reach default ports.
     */
    Map<String, String> environment() {
      Map<String, String> env = new HashMap<>();
      env.put("FERRY_LISTEN_ADDR", "127.0.0.1:" + httpPort);
      env.put("FERRY_ADMIN_LISTEN_ADDR", "127.0.0.1:" + adminPort);
      env.put("FERRY_ADVERTISE_IP", "127.0.0.1");
      env.put("FERRY_CLUSTER_PORT", Integer.toString(clusterPort));
      env.put("FERRY_CLUSTER_MEMBERS", "127.0.0.1:" + clusterPort);
      env.put("FERRY_CLUSTER_CONFIG", "");
      return env;
    }

    AdminClient admin() {
      return new AdminClient(adminPort, "");
    }
  }

  /** A started process and the files its output goes to. */
  private record Launched(Process process, Path stdout, Path stderr) {

    List<String> stderrLines() {
      try {
        return Files.readAllLines(stderr).stream().filter(l -> !l.isBlank()).toList();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    String output() {
      try {
        return "stdout:\n" + Files.readString(stdout) + "\nstderr:\n" + Files.readString(stderr);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  @AfterEach
  void stopEverythingStarted() throws Exception {
    for (Process p : processes) {
      if (p.isAlive()) {
        p.destroyForcibly();
        p.waitFor(15, TimeUnit.SECONDS);
      }
    }
    for (ServerSocket blocker : blockers) {
      blocker.close();
    }
    if (vertx != null) {
      vertx.close().await(15, TimeUnit.SECONDS);
    }
  }

  private Launched launch(Path workDir, Map<String, String> env, String... args)
      throws IOException {
    return launch(List.of(), workDir, env, args);
  }

  private Launched launch(List<String> jvmProperties, Path workDir, Map<String, String> env,
      String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(JVM_FLAGS);
    command.addAll(jvmProperties);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Main.class.getName());
    command.addAll(List.of(args));

    String id = UUID.randomUUID().toString();
    Path stdout = dir.resolve("stdout-" + id + ".txt");
    Path stderr = dir.resolve("stderr-" + id + ".txt");
    ProcessBuilder builder = new ProcessBuilder(command)
        .directory(workDir.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectOutput(stdout.toFile())
        .redirectError(stderr.toFile());
    builder.environment().keySet().removeIf(name -> name.startsWith("FERRY_"));
    builder.environment().putAll(env);
    Process process = builder.start();
    processes.add(process);
    return new Launched(process, stdout, stderr);
  }

  private Path emptyWorkDir() throws IOException {
    return Files.createDirectory(dir.resolve("work-" + UUID.randomUUID()));
  }

  private Path configFile(JsonObject settings) throws IOException {
    return configFile(settings.encodePrettily());
  }

  private Path configFile(String content) throws IOException {
    return Files.writeString(dir.resolve("ferry-" + UUID.randomUUID() + ".json"), content);
  }

  private static int exitCode(Launched launched, Duration limit) throws InterruptedException {
    if (!launched.process().waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
      fail("the process did not exit within " + limit + "\n" + launched.output());
    }
    return launched.process().exitValue();
  }

  private static void awaitHealthy(Launched launched, Node node) throws InterruptedException {
    AdminClient admin = node.admin();
    long deadline = System.nanoTime() + START_LIMIT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!launched.process().isAlive()) {
        fail("the node exited with " + launched.process().exitValue() + " before it was ready\n"
            + launched.output());
      }
      try {
        if (admin.get("/healthz").status() == 200) {
          return;
        }
      } catch (UncheckedIOException notListeningYet) {
        // The admin listener opens last; keep polling until the deadline.
      }
      Thread.sleep(100);
    }
    fail("/healthz did not answer 200 within " + START_LIMIT + "\n" + launched.output());
  }

  private void assertRefused(Launched launched, String named) throws InterruptedException {
    long started = System.nanoTime();
    int code = exitCode(launched, REFUSAL_LIMIT);
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    List<String> lines = launched.stderrLines();
    assertEquals(2, code, launched.output());
    assertEquals(1, lines.size(), "exactly one line on stderr\n" + launched.output());
    assertTrue(lines.get(0).startsWith("ferry: "), lines.get(0));
    assertTrue(lines.get(0).contains(named), "the message should name " + named + ": "
        + lines.get(0));
    assertTrue(took.compareTo(Duration.ofSeconds(10)) < 0, "refusing took " + took);
  }

  @Test
  void unknownKeyInConfigFileExitsWithCode2NamingTheKey() throws Exception {
    Node node = Node.fresh();
    Path file = configFile(node.settings().put("listenAdr", ":18080"));

    assertRefused(launch(emptyWorkDir(), node.environment(), "--config", file.toString()),
        "listenAdr");
  }

  @Test
  void badAddressExitsWithCode2NamingTheKey() throws Exception {
    Node node = Node.fresh();
    Path file = configFile(node.settings());
    Map<String, String> env = node.environment();
    env.put("FERRY_LISTEN_ADDR", "127.0.0.1:http");

    assertRefused(launch(emptyWorkDir(), env, "--config", file.toString()), "listenAddr");
  }

  @Test
  void portOutOfRangeExitsWithCode2NamingTheKey() throws Exception {
    Node node = Node.fresh();
    Path file = configFile(node.settings().put("adminListenAddr", "127.0.0.1:70000"));
    Map<String, String> env = node.environment();
    env.remove("FERRY_ADMIN_LISTEN_ADDR");

    assertRefused(launch(emptyWorkDir(), env, "--config", file.toString()), "adminListenAddr");
  }

  @Test
  void unreadableConfigFileExitsWithCode2NamingTheFile() throws Exception {
    Node node = Node.fresh();
    Path absent = dir.resolve("absent.json");

    assertRefused(launch(emptyWorkDir(), node.environment(), "--config", absent.toString()),
        absent.toString());
  }

  @Test
  void malformedConfigFileExitsWithCode2NamingTheFile() throws Exception {
    Node node = Node.fresh();
    Path file = configFile("{\n  \"listenAddr\": \"127.0.0.1:" + node.httpPort() + "\",\n");

    assertRefused(launch(emptyWorkDir(), node.environment(), "--config", file.toString()),
        file.toString());
  }

  @Test
  void clusterPortThatIsNotANumberExitsWithCode2NamingTheVariable() throws Exception {
    Node node = Node.fresh();
    Path file = configFile(node.settings());
    Map<String, String> env = node.environment();
    env.put("FERRY_CLUSTER_PORT", "abc");

    assertRefused(launch(emptyWorkDir(), env, "--config", file.toString()),
        "FERRY_CLUSTER_PORT");
  }

  @Test
  void unexpectedArgumentExitsWithCode2NamingIt() throws Exception {
    Node node = Node.fresh();
    Path file = configFile(node.settings());

    assertRefused(launch(emptyWorkDir(), node.environment(), "--config", file.toString(),
        "--verbose"), "--verbose");
  }

  @Test
  void configFlagWithoutFileExitsWithCode2() throws Exception {
    Node node = Node.fresh();

    assertRefused(launch(emptyWorkDir(), node.environment(), "--config"), "--config");
  }

  @Test
  void helpPrintsUsageAndExitsZero() throws Exception {
    Launched launched = launch(emptyWorkDir(), Node.fresh().environment(), "--help");

    assertEquals(0, exitCode(launched, REFUSAL_LIMIT), launched.output());
    assertTrue(Files.readString(launched.stdout()).startsWith("usage: "), launched.output());
  }

  @Test
  void unknownTransportExitsWithCode2NamingTheProperty() throws Exception {
    Node node = Node.fresh();

    assertRefused(launch(List.of("-Dferry.transport=io_uring"), emptyWorkDir(),
        node.environment()), "ferry.transport");
  }

  @ParameterizedTest
  @ValueSource(strings = {"epoll", "nio"})
  void eachTransportTheMachineHasCarriesTraffic(String name) throws Exception {
    assumeTrue(transportNamed(name).available(), name + " is not available here");
    Node node = Node.fresh();
    Launched launched = launch(List.of("-Dferry.transport=" + name), emptyWorkDir(),
        node.environment());
    awaitHealthy(launched, node);
    vertx = Backends.vertx();
    int backendPort = Ports.free();
    Backends.named(vertx, "b1", backendPort);
    node.admin().putBackend("app", "b1", backendPort);

    String response = get(node.httpPort(), "app.ferry.local", "/over-" + name);

    assertTrue(response.startsWith("HTTP/1.1 200"), response);
    assertTrue(response.contains("\"path\":\"/over-" + name + "\""), response);
    assertTrue(launched.output().contains("(" + name + " transport)"), launched.output());
  }

  @Test
  void withoutThePropertyTheFastestTransportTheMachineHasIsChosen() throws Exception {
    String fastest = Transport.EPOLL.available() ? "epoll" : "nio";
    Node node = Node.fresh();

    Launched launched = launch(emptyWorkDir(), node.environment());
    awaitHealthy(launched, node);

    assertTrue(launched.output().contains("(" + fastest + " transport)"), launched.output());
  }

  private static Transport transportNamed(String name) {
    return name.equals("epoll") ? Transport.EPOLL : Transport.NIO;
  }

  @Test
  void readsConfFerryJsonInTheWorkingDirectoryWithoutConfigFlag() throws Exception {
    Node node = Node.fresh();
    Path work = emptyWorkDir();
    Files.createDirectory(work.resolve("conf"));
    Files.writeString(work.resolve("conf").resolve("ferry.json"), node.settings()
        .put("domain", "from-conf.test")
        .put("sessionTimeout", "15m")
        .encodePrettily());

    Launched launched = launch(work, node.environment());
    awaitHealthy(launched, node);

    JsonObject running = node.admin().get("/proxy/configs").json();
    assertEquals("from-conf.test", running.getString("domain"));
    assertEquals(node.clusterName(), running.getString("clusterName"));
    assertEquals("15m", running.getString("sessionTimeout"));
  }

  @Test
  void environmentVariablesAloneConfigureTheNode() throws Exception {
    Node node = Node.fresh();
    Map<String, String> env = node.environment();
    env.put("FERRY_CLUSTER_NAME", node.clusterName());
    env.put("FERRY_DOMAIN", "from-env.test");

    Launched launched = launch(emptyWorkDir(), env);
    awaitHealthy(launched, node);

    JsonObject running = node.admin().get("/proxy/configs").json();
    assertEquals("from-env.test", running.getString("domain"));
    assertEquals(node.clusterName(), running.getString("clusterName"));
    assertEquals("127.0.0.1:" + node.httpPort(), running.getString("listenAddr"));
    assertEquals(node.clusterPort(), running.getInteger("clusterPort"));
  }

  @Test
  void sigtermLetsTheRequestInFlightFinishThenExitsZero() throws Exception {
    Node node = Node.fresh();
    Path file = configFile(node.settings().put("domain", "from-file.test"));
    Launched launched = launch(emptyWorkDir(), node.environment(), "--config", file.toString());
    awaitHealthy(launched, node);

    CountDownLatch received = new CountDownLatch(1);
    int backendPort = startSlowBackend(received, 1500);
    node.admin().putBackend("slow", "1-slow", backendPort);

    CompletableFuture<String> answer = CompletableFuture.supplyAsync(
        () -> get(node.httpPort(), "slow.from-file.test", "/report"));
    assertTrue(received.await(20, TimeUnit.SECONDS), "the backend never got the request\n"
        + launched.output());
    long signalled = System.nanoTime();
    launched.process().destroy();

    String response = answer.get(20, TimeUnit.SECONDS);
    assertTrue(response.startsWith("HTTP/1.1 200"), response);
    assertTrue(response.endsWith("finished /report"), response);

    assertEquals(0, exitCode(launched, Duration.ofSeconds(45)), launched.output());
    Duration stopping = Duration.ofNanos(System.nanoTime() - signalled);
    assertTrue(stopping.compareTo(Duration.ofSeconds(25)) < 0, "stopping took " + stopping);
  }

  @ParameterizedTest
  @ValueSource(strings = {"listenAddr", "adminListenAddr"})
  void portInUseExitsWithCode1AndOneLineNamingTheAddress(String key) throws Exception {
    Node node = Node.fresh();
    int taken = key.equals("listenAddr") ? node.httpPort() : node.adminPort();
    ServerSocket blocker = new ServerSocket();
    blockers.add(blocker);
    blocker.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), taken));
    Path file = configFile(node.settings());

    Launched launched = launch(emptyWorkDir(), node.environment(), "--config", file.toString());
    int code = exitCode(launched, START_LIMIT);

    List<String> ferryLines = launched.stderrLines().stream()
        .filter(l -> l.startsWith("ferry: ")).toList();
    assertEquals(1, code, launched.output());
    assertEquals(1, ferryLines.size(), launched.output());
    String line = ferryLines.get(0);
    assertTrue(line.contains(key + " 127.0.0.1:" + taken), line);
    assertTrue(line.contains("in use"), line);
    assertTrue(launched.stderrLines().stream().noneMatch(l -> l.startsWith("\tat ")),
        "no stack trace for an expected condition\n" + launched.output());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "<hazelcast>\n  <network>\n    <port>not a port\n</hazelcast>\n",
      "<hazelcast xmlns=\"http://www.hazelcast.com/schema/config\">\n"
          + "  <no-such-element/>\n</hazelcast>\n"})
  void badClusterConfigExitsWithCode2AndOneLine(String content) throws Exception {
    Node node = Node.fresh();
    Path xml = Files.writeString(dir.resolve("cluster.xml"), content);
    Path file = configFile(node.settings().put("clusterConfig", xml.toString()));
    Map<String, String> env = node.environment();
    env.remove("FERRY_CLUSTER_CONFIG");

    assertRefused(launch(emptyWorkDir(), env, "--config", file.toString()), "clusterConfig");
  }

  @Test
  void sigtermDuringStartUpStillStopsCleanlyWithCode0() throws Exception {
    Node node = Node.fresh();
    Path file = configFile(node.settings());
    Launched launched = launch(emptyWorkDir(), node.environment(), "--config", file.toString());

    awaitListening(launched, node.clusterPort());
    launched.process().destroy();

    assertEquals(0, exitCode(launched, Duration.ofSeconds(60)), launched.output());
  }

  /** Waits until the node has opened {@code port}, which it does part way through starting. */
  private static void awaitListening(Launched launched, int port) throws InterruptedException {
    long deadline = System.nanoTime() + START_LIMIT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!launched.process().isAlive()) {
        fail("the node exited with " + launched.process().exitValue() + "\n"
            + launched.output());
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
        return;
      } catch (IOException notYet) {
        Thread.sleep(20);
      }
    }
    fail("port " + port + " was not opened within " + START_LIMIT + "\n" + launched.output());
  }

  private int startSlowBackend(CountDownLatch received, long delayMillis) {
    vertx = Backends.vertx();
    int port = Ports.free();
    HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1"))
        .requestHandler(request -> {
          received.countDown();
          vertx.setTimer(delayMillis, t -> request.response()
              .putHeader("content-type", "text/plain")
              .end("finished " + request.uri()));
        });
    Backends.await(server.listen(port));
    return port;
  }

  /** One plain HTTP/1.1 request on its own connection; the whole answer as text. */
  private static String get(int port, String host, String path) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
      socket.setSoTimeout(15_000);
      OutputStream out = socket.getOutputStream();
      out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host
          + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
