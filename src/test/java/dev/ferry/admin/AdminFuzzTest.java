package dev.ferry.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ferry.testing.AdminClient;
import dev.ferry.testing.AdminClient.Answer;
import dev.ferry.testing.Ports;
import dev.ferry.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Malformed and random bodies from a seeded generator: the admin API answers each with 2xx,
 * or 4xx and a JSON error that changed nothing, and the table stays valid throughout.
 */
class AdminFuzzTest {

  private static final long SEED = 20_261_204L;
  private static final int CALLS = 1500;
  private static final List<String> NAMES = List.of("fz-a", "fz-b", "FZ-A", "fz-c");
  private static final List<String> IDS = List.of("1", "2-fz", "x.y:z_w");
  private static final List<String> FIELDS = List.of("upstream.name", "upstream.alias",
      "upstream.listen", "upstream.sticky", "backend.id", "backend.ip", "backend.port",
      "backend.scheme", "backend.version", "backend.weihgt", "backend.weight", "upstream",
      "backend", "upstream.extra", "backend.extra", "extra");
  private static final String[] ODD_NUMBERS = {"1e400", "-1e400", "1e-400",
      "99999999999999999999999999", "-9223372036854775809", "2147483648", "-0", "80.0",
      "8e1", "0.5", "1" + "0".repeat(1200), "-2147483648", "65535", "65536", "0", "1000",
      "1001"};
  private static final String[] ODD_TEXT = {"", " ", "\u0000", "\u202e", "\u200b",
      "caf\u00e9", "\u4e2d\u6587", "\ud83d\ude00", "\ud800", "\\", "\"", "..", "a..b", "-",
      "a-", "[::1]", "::1", "10.0.0.5", "10.0.0.256", "::ffff:10.0.0.5", ":7001", "7001",
      "0x50", "http", "HTTPS", "ftp", "\n", "\t", "a\u0000b", "\u0661\u0662", "\u00a0",
      "x".repeat(64), "x".repeat(200)};

  private static TestNode node;
  private static AdminClient admin;
  private static List<String> listens;
  private final Random random = new Random(SEED);
  private final Map<Integer, Integer> statuses = new TreeMap<>();

  @BeforeAll
  static void startNode() {
    node = TestNode.start();
    admin = node.admin();
    listens = List.of(":" + Ports.free(), ":" + Ports.free(), "");
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  @Timeout(120)
  void randomAndMalformedBodiesNeverBreakTheNodeOrTheTable() {
    for (int i = 0; i < CALLS; i++) {
      String method = random.nextInt(3) == 0 ? "DELETE" : "PUT";
      String body = body(method);
      String type = contentType();
      String before = admin.get("/proxy/upstreams").body();
      Answer answer = admin.call(method, "/proxy/upstreams", body, type);
      statuses.merge(answer.status(), 1, Integer::sum);
      check(i, method, body, type, answer, before);
      if (i % 250 == 249) {
        TableChecks.assertValid(admin);
      }
    }
    TableChecks.assertValid(admin);
    assertTrue(statuses.getOrDefault(201, 0) > 50, "too few accepted puts: " + statuses);
    assertTrue(statuses.getOrDefault(204, 0) > 10, "too few accepted deletes: " + statuses);
    assertTrue(statuses.getOrDefault(400, 0) > CALLS / 3, "too few refusals: " + statuses);
  }

  private void check(int i, String method, String body, String type, Answer answer,
      String before) {
    String what = "call " + i + ": " + method + " " + type + " " + abbreviate(body)
        + " -> " + answer.status() + " " + abbreviate(answer.body());
    int status = answer.status();
    if (status >= 200 && status < 300) {
      assertEquals(method.equals("PUT") ? 201 : 204, status, what);
      if (status == 201) {
        JsonObject stored = answer.json();
        JsonObject listed = admin.get("/proxy/upstreams/" + stored.getString("name")).json();
        listed.getJsonArray("backends").forEach(b -> ((JsonObject) b).remove("health"));
        assertEquals(stored, listed, what);
      }
      return;
    }
    if (status < 400 || status >= 500) {
      fail("neither 2xx nor 4xx: " + what);
    }
    assertTrue(answer.raw().headers().firstValue("content-type").orElse("")
        .startsWith("application/json"), what);
    String error = answer.error();
    assertNotNull(error, what);
    assertFalse(error.isBlank(), what);
    assertEquals(before, admin.get("/proxy/upstreams").body(), "table changed by " + what);
  }

  private static String abbreviate(String text) {
    return text == null || text.length() < 300 ? text
        : text.substring(0, 300) + "...(" + text.length() + " chars)";
  }

  private String contentType() {
    return switch (random.nextInt(20)) {
      case 0 -> null;
      case 1 -> "application/json; charset=utf-8";
      case 2 -> "text/plain";
      case 3 -> "APPLICATION/JSON";
      default -> "application/json";
    };
  }

  private String body(String method) {
    return switch (random.nextInt(12)) {
      case 0, 1, 2 -> mutated(method);
      case 3, 4 -> method.equals("PUT") ? validPut() : validDelete();
      case 5 -> value(4);
      case 6 -> text(random.nextInt(40));
      case 7 -> truncated(method);
      case 8 -> deep();
      case 9 -> duplicated(method);
      case 10 -> random.nextBoolean() ? "" : "null";
      default -> mutated(method);
    };
  }

  private <T> T pick(List<T> list) {
    return list.get(random.nextInt(list.size()));
  }

  private String validPut() {
    StringBuilder up = new StringBuilder("{\"name\":" + quote(pick(NAMES)));
    if (random.nextBoolean()) {
      up.append(",\"listen\":").append(quote(pick(listens)));
    }
    if (random.nextInt(3) == 0) {
      up.append(",\"alias\":").append(quote(pick(List.of("fz.example.com", "FZ.example.com.",
          "other.example.com", ""))));
    }
    if (random.nextInt(3) == 0) {
      up.append(",\"sticky\":").append(random.nextBoolean());
    }
    String be = "{\"id\":" + quote(pick(IDS)) + ",\"ip\":"
        + quote(pick(List.of("10.0.0.5", "127.0.0.1", "::1", "fe80::1")))
        + ",\"port\":" + (1 + random.nextInt(65535))
        + ",\"scheme\":" + quote(pick(List.of("", "http", "https")))
        + ",\"weihgt\":" + random.nextInt(1001) + "}";
    return "{\"upstream\":" + up + "},\"backend\":" + be + "}";
  }

  private String validDelete() {
    return "{\"upstream\":{\"name\":" + quote(pick(NAMES)) + "},\"backend\":{\"id\":"
        + quote(pick(IDS)) + "}}";
  }

  /** A valid body with one field replaced by a random value, or dropped. */
  private String mutated(String method) {
    JsonObject body = new JsonObject(method.equals("PUT") ? validPut() : validDelete());
    String field = pick(FIELDS);
    String replacement = random.nextInt(8) == 0 ? null : value(2);
    String marker = "\"@@fuzz@@\"";
    String[] path = field.split("\\.");
    JsonObject target = path.length == 1 ? body : body.getJsonObject(path[0]);
    String key = path[path.length - 1];
    if (replacement == null) {
      target.remove(key);
      return body.encode();
    }
    target.put(key, "@@fuzz@@");
    return body.encode().replace(marker, replacement);
  }

  /** A random JSON value, as text; numbers and strings lean to the awkward ones. */
  private String value(int depth) {
    int kind = random.nextInt(depth <= 0 ? 5 : 7);
    return switch (kind) {
      case 0 -> "null";
      case 1 -> Boolean.toString(random.nextBoolean());
      case 2 -> random.nextBoolean() ? Integer.toString(random.nextInt())
          : ODD_NUMBERS[random.nextInt(ODD_NUMBERS.length)];
      case 3, 4 -> quote(random.nextBoolean() ? ODD_TEXT[random.nextInt(ODD_TEXT.length)]
          : text(random.nextInt(20)));
      case 5 -> {
        StringBuilder out = new StringBuilder("[");
        int n = random.nextInt(4);
        for (int i = 0; i < n; i++) {
          out.append(i == 0 ? "" : ",").append(value(depth - 1));
        }
        yield out.append(']').toString();
      }
      default -> {
        StringBuilder out = new StringBuilder("{");
        int n = random.nextInt(4);
        for (int i = 0; i < n; i++) {
          String key = random.nextBoolean() ? pick(List.of("upstream", "backend", "name", "id",
              "ip", "port", "listen")) : text(random.nextInt(6));
          out.append(i == 0 ? "" : ",").append(quote(key)).append(':').append(value(depth - 1));
        }
        yield out.append('}').toString();
      }
    };
  }

  /** Random characters: printable ASCII, JSON syntax, controls and non-ASCII. */
  private String text(int length) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < length; i++) {
      out.append(switch (random.nextInt(6)) {
        case 0 -> (char) random.nextInt(0x20);
        case 1 -> "{}[]:,\"\\".charAt(random.nextInt(8));
        case 2 -> (char) (0x80 + random.nextInt(0x2000));
        case 3 -> new String(Character.toChars(0x1f300 + random.nextInt(0x300)));
        default -> (char) (0x20 + random.nextInt(0x5f));
      });
    }
    return out.toString();
  }

  private String truncated(String method) {
    String whole = method.equals("PUT") ? validPut() : validDelete();
    return whole.substring(0, random.nextInt(whole.length()));
  }

  private String deep() {
    int depth = 1 + random.nextInt(20_000);
    return switch (random.nextInt(3)) {
      case 0 -> "[".repeat(depth) + "]".repeat(depth);
      case 1 -> "{\"upstream\":" + "{\"a\":".repeat(depth) + "1" + "}".repeat(depth) + "}";
      default -> "{\"upstream\":{\"name\":\"fz-a\"},\"backend\":"
          + "[".repeat(depth) + "]".repeat(depth) + "}";
    };
  }

  /** A body with a key given twice, the second time with a random value. */
  private String duplicated(String method) {
    String whole = method.equals("PUT") ? validPut() : validDelete();
    String key = pick(List.of("\"name\":", "\"id\":", "\"upstream\":", "\"backend\":"));
    int at = whole.indexOf(key);
    return whole.substring(0, at) + key + value(1) + "," + whole.substring(at);
  }

  private static String quote(String text) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.append('"').toString();
  }
}
