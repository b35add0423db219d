package dev.ferry.logging;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * One line per HTTP request and per TCP connection, to stdout or a file. The event loops only
 * queue entries; one thread of its own formats and writes them, so a slow disk never holds up
 * traffic. When the queue is full, entries are dropped and counted rather than waited for.
 */
public final class AccessLog implements AutoCloseable {

  /** Entries waiting to be written; beyond it they are dropped. */
  static final int QUEUE = 16_384;
  /** How often, at most, dropped entries are reported in the operator log. */
  private static final long DROP_WARNING_MILLIS = 10_000;

  private static final Logger log = Logger.getLogger(AccessLog.class.getName());
  private static final AccessLog OFF = new AccessLog();

  private final BlockingQueue<AccessEntry> queue;
  private final Writer out;
  private final boolean json;
  private final String target;
  private final Thread writer;
  private final AtomicLong dropped = new AtomicLong();
  private volatile boolean closing;

  private AccessLog() {
    this.queue = null;
    this.out = null;
    this.json = false;
    this.target = "";
    this.writer = null;
  }

  private AccessLog(Writer out, boolean json, String target) {
    this.queue = new ArrayBlockingQueue<>(QUEUE);
    this.out = out;
    this.json = json;
    this.target = target;
    this.writer = new Thread(this::drain, "ferry-access-log");
    this.writer.setDaemon(true);
    this.writer.start();
  }

  /**
   * The access log of {@code accessLog} ({@code ""} off, {@code stdout}, or a file appended
   * to) in {@code format} ({@code text} or {@code json}). Opens the file: call it off the
   * event loop.
   */
  public static AccessLog open(String accessLog, String format) throws IOException {
    if (accessLog.isEmpty()) {
      return OFF;
    }
    boolean json = format.equals("json");
    if (accessLog.equals("stdout")) {
      return new AccessLog(new BufferedWriter(
          new OutputStreamWriter(System.out, StandardCharsets.UTF_8)), json, accessLog);
    }
    Writer file = Files.newBufferedWriter(Path.of(accessLog), StandardCharsets.UTF_8,
        StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    return new AccessLog(file, json, accessLog);
  }

  /** Whether entries are written; when not, callers need not gather them. */
  public boolean on() {
    return queue != null;
  }

  /** Queues an entry without waiting; drops it when the queue is full. */
  public void add(AccessEntry entry) {
    if (queue != null && !closing && !queue.offer(entry)) {
      dropped.incrementAndGet();
    }
  }

  /** Entries dropped so far because the writer could not keep up. */
  public long dropped() {
    return dropped.get();
  }

  private void drain() {
    long reported = 0;
    long reportedAt = 0;
    while (!closing || !queue.isEmpty()) {
      try {
        AccessEntry entry = queue.poll(200, TimeUnit.MILLISECONDS);
        if (entry != null) {
          write(entry);
          AccessEntry next;
          while ((next = queue.poll()) != null) {
            write(next);
          }
          out.flush();
        }
      } catch (InterruptedException e) {
        closing = true;
      } catch (IOException e) {
        log.warning("Cannot write access log " + target + ": " + e.getMessage());
      }
      long lost = dropped.get();
      long now = System.currentTimeMillis();
      if (lost > reported && now - reportedAt >= DROP_WARNING_MILLIS) {
        log.warning("Access log " + target + " dropped " + (lost - reported)
            + " lines: it was written more slowly than traffic came in");
        reported = lost;
        reportedAt = now;
      }
    }
  }

  private void write(AccessEntry entry) throws IOException {
    out.write(json ? entry.toJson() : entry.toText());
    out.write('\n');
  }

  /** Writes what is queued, then closes the file (never stdout). */
  @Override
  public void close() {
    if (queue == null) {
      return;
    }
    closing = true;
    try {
      writer.join(5000);
      if (target.equals("stdout")) {
        out.flush();
      } else {
        out.close();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      log.warning("Cannot close access log " + target + ": " + e.getMessage());
    }
  }
}
