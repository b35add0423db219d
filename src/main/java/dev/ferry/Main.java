package dev.ferry;

import dev.ferry.config.ConfigException;
import dev.ferry.config.FerryConfig;
import dev.ferry.logging.JsonLogFormatter;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.LogManager;
import sun.misc.Signal;

/** {@code java -jar ferry.jar [--config FILE]}: runs one node until SIGTERM or SIGINT. */
public final class Main {

  private static final String USAGE = "usage: java -jar ferry.jar [--config FILE]";

  private Main() {
  }

  public static void main(String[] args) {
    setUpLogging();
    FerryConfig config;
    try {
      config = FerryConfig.load(configFile(args), System.getenv());
    } catch (ConfigException e) {
      exit(2, e.getMessage());
      return;
    }
    if (config.logFormat().equals("json")) {
      JsonLogFormatter.install();
    }

    // Installed before the node starts so that a SIGTERM during start-up also ends in a
    // clean stop rather than the JVM's default exit.
    CountDownLatch stopRequested = new CountDownLatch(1);
    Signal.handle(new Signal("TERM"), sig -> stopRequested.countDown());
    Signal.handle(new Signal("INT"), sig -> stopRequested.countDown());

    FerryNode node;
    try {
      node = FerryNode.start(config).await(2, TimeUnit.MINUTES);
    } catch (ConfigException e) {
      exit(2, e.getMessage());
      return;
    } catch (Exception e) {
      exit(1, "cannot start: " + describe(e));
      return;
    }

    awaitUninterruptibly(stopRequested);
    try {
      node.stop().await(config.drainTimeout().toMillis() + 20_000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      System.err.println("ferry: the node did not stop cleanly: " + oneLine(describe(e)));
    }
    System.exit(0);
  }

  private static void exit(int code, String message) {
    System.err.println("ferry: " + oneLine(message));
    System.exit(code);
  }

  private static String oneLine(String message) {
    return message.strip().replaceAll("\\s*\\R\\s*", " ");
  }

  private static void awaitUninterruptibly(CountDownLatch latch) {
    while (true) {
      try {
        latch.await();
        return;
      } catch (InterruptedException e) {
        // Only a signal ends the node.
      }
    }
  }

  static String configFile(String[] args) {
    String file = null;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("-h") || arg.equals("--help")) {
        System.out.println(USAGE);
        System.exit(0);
      } else if (arg.equals("--config") && i + 1 < args.length) {
        file = args[++i];
      } else if (arg.startsWith("--config=")) {
        file = arg.substring("--config=".length());
      } else {
        throw new ConfigException("unexpected argument '" + arg + "'; " + USAGE);
      }
    }
    return file;
  }

  private static String describe(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.toString() : root.getMessage();
  }

  private static void setUpLogging() {
    if (System.getProperty("java.util.logging.config.file") != null) {
      return;
    }
    try (InputStream in = Main.class.getResourceAsStream("/ferry-logging.properties")) {
      if (in != null) {
        LogManager.getLogManager().readConfiguration(in);
      }
    } catch (IOException e) {
      System.err.println("ferry: cannot read the logging configuration: " + e.getMessage());
    }
  }
}
