package dev.ferry.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Everything the named loggers and their children log from {@link Level#FINE} up while it is
 * open, kept for the test to read instead of printed. Closing it restores the loggers.
 */
public final class LogCapture implements AutoCloseable {

  private final List<LogRecord> records = new CopyOnWriteArrayList<>();
  private final List<Logger> loggers = new ArrayList<>();
  private final List<Level> levels = new ArrayList<>();
  private final Handler handler = new Handler() {
    @Override
    public void publish(LogRecord record) {
      records.add(record);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
  };

  public LogCapture(String... loggerNames) {
    handler.setLevel(Level.ALL);
    for (String name : loggerNames) {
      Logger logger = Logger.getLogger(name);
      loggers.add(logger);
      levels.add(logger.getLevel());
      logger.setLevel(Level.FINE);
      logger.setUseParentHandlers(false);
      logger.addHandler(handler);
    }
  }

  /** The records above {@code level}, one line each. */
  public List<String> above(Level level) {
    List<String> out = new ArrayList<>();
    for (LogRecord r : records) {
      if (r.getLevel().intValue() > level.intValue()) {
        out.add(r.getLevel() + " " + r.getLoggerName() + ": " + r.getMessage()
            + (r.getThrown() == null ? "" : " " + r.getThrown()));
      }
    }
    return out;
  }

  /** Whether a record's message contains {@code text}. */
  public boolean contains(String text) {
    return records.stream().anyMatch(r -> r.getMessage() != null
        && r.getMessage().contains(text));
  }

  @Override
  public void close() {
    for (int i = 0; i < loggers.size(); i++) {
      Logger logger = loggers.get(i);
      logger.removeHandler(handler);
      logger.setUseParentHandlers(true);
      logger.setLevel(levels.get(i));
    }
  }
}
