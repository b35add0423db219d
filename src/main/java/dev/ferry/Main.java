package dev.ferry;

import dev.ferry.config.ConfigException;
import dev.ferry.config.FerryConfig;
import java.io.IOException;
import java.io.InputStream;
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
      System.err.println("ferry: " + e.getMessage());
      System.exit(2);
      return;
    }
    FerryNode node;
    try {
      node = FerryNode.start(config).await(2, TimeUnit.MINUTES);
    } catch (Exception e) {
      System.err.println("ferry: cannot start: " + describe(e));
      System.exit(1);
      return;
    }
    Runnable stop = () -> {
      try {
        node.stop().await(FerryNode.DRAIN_SECONDS + 20, TimeUnit.SECONDS);
      } catch (Exception e) {
        System.err.println("ferry: stopping took too long: " + describe(e));
      }
      System.exit(0);
    };
    Signal.handle(new Signal("TERM"), sig -> new Thread(stop, "ferry-stop").start());
    Signal.handle(new Signal("INT"), sig -> new Thread(stop, "ferry-stop").start());
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
