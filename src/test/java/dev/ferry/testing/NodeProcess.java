package dev.ferry.testing;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Ferry node in a process of its own, started as {@code java dev.ferry.Main --config FILE}
 * with the test classpath, on loopback and free ports.
 */
public final class NodeProcess implements AutoCloseable {

  public static final List<String> JVM_FLAGS = List.of("--add-modules", "java.se",
      "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang=ALL-UNNAMED",
      "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens", "java.management/sun.management=ALL-UNNAMED",
      "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED");

  public final int httpPort;
  public final int adminPort;
  public final int clusterPort;
  public final Path log;
  private final Process process;

  private NodeProcess(Process process, int httpPort, int adminPort, int clusterPort, Path log) {
    this.process = process;
    this.httpPort = httpPort;
    this.adminPort = adminPort;
    this.clusterPort = clusterPort;
    this.log = log;
  }

  /**
   * Starts a node of {@code clusterName} that looks for the members on {@code seedPorts}, with
   * {@code settings} over the test defaults, and waits until {@code /healthz} answers 200.
   */
  public static NodeProcess start(Path dir, String clusterName, List<Integer> seedPorts,
      JsonObject settings) {
    NodeProcess node = launch(dir, clusterName, Ports.free(), seedPorts, settings);
    node.awaitHealthy();
    return node;
  }

  /**
   * Starts a node on cluster port {@code cluster} without waiting for it, so that several can
   * start at once; {@link #awaitHealthy()} waits for it.
   */
  public static NodeProcess launch(Path dir, String clusterName, int cluster,
      List<Integer> seedPorts, JsonObject settings) {
    int http = Ports.free();
    int admin = Ports.free();
    JsonObject config = TestNode.loopbackConfig(clusterName, http, admin, cluster, seedPorts)
        .mergeIn(settings);
    try {
      Files.createDirectories(dir);
      Path file = dir.resolve("node-" + admin + ".json");
      Files.writeString(file, config.encodePrettily());
      Path log = dir.resolve("node-" + admin + ".log");
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(JVM_FLAGS);
      command.add("-Xmx256m");
      command.add("-cp");
      command.add(System.getProperty("java.class.path"));
      command.add("dev.ferry.Main");
      command.add("--config");
      command.add(file.toString());
      Process process = new ProcessBuilder(command).directory(dir.toFile())
          .redirectErrorStream(true).redirectOutput(log.toFile()).start();
      return new NodeProcess(process, http, admin, cluster, log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until {@code /healthz} answers 200; fails when the node exits or takes 60 s. */
  public void awaitHealthy() {
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the node exited with " + process.exitValue()
            + ": " + logText());
      }
      try {
        if (admin().get("/healthz").status() == 200) {
          return;
        }
      } catch (UncheckedIOException notYet) {
        // The admin listener is not open yet.
      }
      pause(100);
    }
    process.destroyForcibly();
    throw new IllegalStateException("the node was not healthy within 60 s: " + logText());
  }

  public AdminClient admin() {
    return new AdminClient(adminPort, "");
  }

  public long pid() {
    return process.pid();
  }

  /** Kills the process at once, as {@code kill -9} does. */
  public void kill() {
    process.destroyForcibly();
    waitFor();
  }

  /** Sends SIGTERM and answers the exit code. */
  public int terminate() {
    process.destroy();
    return waitFor();
  }

  private int waitFor() {
    try {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("the node did not exit within 60 s");
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public String logText() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      waitFor();
    }
  }
}
