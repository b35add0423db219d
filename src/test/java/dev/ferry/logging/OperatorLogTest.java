package dev.ferry.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.Eventually;
import dev.ferry.testing.LogLines;
import dev.ferry.testing.Ports;
import dev.ferry.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/** The operator log: one INFO line per event, on every node, as text or JSON. */
class OperatorLogTest {

  @Test
  void everyNodeLogsMembersAndTableChangesNamingTheWritingNode() {
    String cluster = "ferry-test-" + UUID.randomUUID();
    try (LogLines log = new LogLines(); TestNode first = TestNode.join(cluster, null,
        new JsonObject())) {
      TestNode second = TestNode.join(cluster, first.clusterPort, new JsonObject());
      String secondId = second.node.nodeId();
      Eventually.until(() -> !log.containing("Node " + secondId).isEmpty(), 10,
          "the first node to log that the second joined");
      assertTrue(log.containing("Node " + secondId).get(0)
          .matches("Node " + secondId + " at \\S+ joined cluster " + cluster + ", now 2 nodes"),
          log.containing("Node " + secondId).toString());

      String writer = "by node 127.0.0.1 (admin 127.0.0.1:" + first.adminPort + ")";
      int port = Ports.free();
      first.admin().putBackend("logged", "1", port, new JsonObject()
          .put("alias", "logged.example.com"), new JsonObject());
      Eventually.until(() -> log.containing("Upstream logged added").size() == 2, 10,
          "both nodes to log the new upstream");
      assertEquals(List.of(
          "Upstream logged added (alias logged.example.com) with backends 1 (http://127.0.0.1:"
              + port + " weight 100) " + writer,
          "Upstream logged added (alias logged.example.com) with backends 1 (http://127.0.0.1:"
              + port + " weight 100) " + writer),
          log.containing("Upstream logged added"));

      second.admin().putBackend("logged", "2", port);
      String secondWriter = "by node 127.0.0.1 (admin 127.0.0.1:" + second.adminPort + ")";
      Eventually.until(() -> log.containing("Upstream logged changed").size() == 2, 10,
          "both nodes to log the added backend");
      assertTrue(log.containing("Upstream logged changed").stream().allMatch(line ->
          line.equals("Upstream logged changed: backend 2 (http://127.0.0.1:" + port
              + " weight 100) added " + secondWriter)), log.containing("changed").toString());

      first.admin().deleteBackend("logged", "2");
      first.admin().deleteBackend("logged", "1");
      Eventually.until(() -> log.containing("Upstream logged removed").size() == 2, 10,
          "both nodes to log the removal");
      assertTrue(log.containing("Upstream logged removed").stream().allMatch(line ->
          line.equals("Upstream logged removed with backends 1 " + writer)),
          log.containing("removed").toString());

      second.close();
      Eventually.until(() -> log.containing("Node " + secondId).stream()
          .anyMatch(line -> line.contains(" left cluster " + cluster + ", now 1 nodes")), 20,
          "the first node to log that the second left");

      for (LogRecord r : log.records()) {
        assertTrue(r.getLevel().intValue() >= Level.INFO.intValue());
        assertTrue(!r.getMessage().contains("GET /"), "no line per request: " + r.getMessage());
      }
    }
  }

  @Test
  void jsonFormatWritesOneParseableObjectPerLine() {
    JsonLogFormatter formatter = new JsonLogFormatter();
    try (LogLines log = new LogLines(); TestNode node = TestNode.start()) {
      node.admin().putBackend("json", "1", Ports.free());
      Eventually.until(() -> !log.containing("Upstream json added").isEmpty(), 10,
          "the new upstream logged");

      for (LogRecord r : log.records()) {
        String line = formatter.format(r);
        assertTrue(line.endsWith(System.lineSeparator()) && line.indexOf('\n') == line.length()
            - 1, "one line: " + line);
        JsonObject json = new JsonObject(line);
        assertEquals(r.getLevel().getName(), json.getString("level"));
        assertEquals(r.getLoggerName(), json.getString("logger"));
        assertTrue(json.getString("time").endsWith("Z"), line);
        assertTrue(json.getString("message").length() > 0, line);
      }
    }
  }

  @Test
  void jsonFormatKeepsQuotesNewlinesAndErrorsInOneLine() {
    LogRecord record = new LogRecord(Level.WARNING, "backend \"a\"\nrefused {0}");
    record.setLoggerName("dev.ferry.test");
    record.setParameters(new Object[] {"twice"});
    record.setThrown(new IllegalStateException("broken"));

    String line = new JsonLogFormatter().format(record);

    assertEquals(1, line.split("\n").length);
    JsonObject json = new JsonObject(line);
    assertEquals("WARNING", json.getString("level"));
    assertEquals("dev.ferry.test", json.getString("logger"));
    assertEquals("backend \"a\"\nrefused twice", json.getString("message"));
    assertTrue(json.getString("error").startsWith("java.lang.IllegalStateException: broken"));
  }
}
