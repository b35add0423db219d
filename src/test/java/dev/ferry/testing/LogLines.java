package dev.ferry.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The INFO and higher lines Ferry's loggers write while it is open, kept in memory and not
 * passed on to the console. Closing it puts the logger back as it was.
 */
public final class LogLines extends Handler implements AutoCloseable {

  private final Logger logger = Logger.getLogger("dev.ferry");
  private final Level level = logger.getLevel();
  private final boolean parents = logger.getUseParentHandlers();
  private final List<LogRecord> records = new ArrayList<>();

  public LogLines() {
    setLevel(Level.INFO);
    logger.setLevel(Level.INFO);
    logger.setUseParentHandlers(false);
    logger.addHandler(this);
  }

  @Override
  public synchronized void publish(LogRecord record) {
    if (isLoggable(record)) {
      records.add(record);
    }
  }

  public synchronized List<LogRecord> records() {
    return List.copyOf(records);
  }

  /** The messages seen so far that contain {@code text}. */
  public List<String> containing(String text) {
    List<String> out = new ArrayList<>();
    for (LogRecord r : records()) {
      if (r.getMessage().contains(text)) {
        out.add(r.getMessage());
      }
    }
    return out;
  }

  @Override
  public void flush() {
  }

  @Override
  public void close() {
    logger.removeHandler(this);
    logger.setLevel(level);
    logger.setUseParentHandlers(parents);
  }
}
