package dev.ferry.admin;

import static dev.ferry.testing.Backends.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.testing.AdminClient;
import dev.ferry.testing.Backends;
import dev.ferry.testing.Ports;
import dev.ferry.testing.ProxyClient;
import dev.ferry.testing.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The dashboard in a real browser: headless Chromium driven by src/test/browser/dashboard.js
 * against a node with an admin token, while test traffic flows through the proxy. Screenshots
 * go to target/. Outside CI the test is skipped when Chromium or the script's packages are
 * missing; under CI=true it fails instead.
 */
class DashboardBrowserTest {

  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path SCRIPT_DIR = Path.of("src/test/browser");
  private static final long SCRIPT_SECONDS = 180;

  @Test
  void operatorSignsInSeesABackendAddsOneAndRemovesOneFromThePage() throws Exception {
    requireBrowser();
    String token = "dash-" + Long.toHexString(System.nanoTime());
    Vertx vertx = Backends.vertx();
    try (TestNode node = TestNode.start(new JsonObject().put("adminToken", token))) {
      AdminClient admin = node.admin();
      int backendPort = Ports.free();
      Backends.named(vertx, "web", backendPort);
      admin.putBackend("shop", "1-shop", backendPort,
          new JsonObject().put("alias", "shop.example.test").put("listen", ":" + Ports.free()),
          new JsonObject());
      admin.putBackend("api", "1-api", backendPort);
      admin.putBackend("api", "2-api", backendPort, new JsonObject(),
          new JsonObject().put("weihgt", 300));
      long traffic = sendTraffic(vertx, node.httpPort);

      assertPageLoadsWithoutTokenButApiDoesNot(node.adminPort);
      Process script = runScript(node.adminPort, token, backendPort);
      boolean finished = script.waitFor(SCRIPT_SECONDS, TimeUnit.SECONDS);
      vertx.cancelTimer(traffic);
      String log = Files.readString(Path.of("target", "dashboard-browser.log"));
      if (!finished) {
        script.destroyForcibly();
      }
      assertTrue(finished, "the browser script did not finish in time:\n" + log);
      assertEquals(0, script.exitValue(), "the browser script failed:\n" + log);

      JsonObject shop = admin.get("/proxy/upstreams/shop").json();
      List<Object> ids = shop.getJsonArray("backends").stream()
          .map(b -> ((JsonObject) b).getString("id")).map(Object.class::cast).toList();
      assertEquals(List.of("form-added"), ids);
      assertTrue(Files.size(Path.of("target", "dashboard.png")) > 0);
      assertTrue(Files.size(Path.of("target", "dashboard-backend.png")) > 0);
    } finally {
      await(vertx.close());
    }
  }

  private static void requireBrowser() {
    boolean ci = "true".equals(System.getenv("CI"));
    String missing = !Files.isExecutable(CHROMIUM) ? CHROMIUM + " is missing"
        : !Files.isDirectory(SCRIPT_DIR.resolve("node_modules/playwright-core"))
            ? "run npm ci in " + SCRIPT_DIR
            : !onPath("node") ? "node is not on the PATH" : null;
    if (missing != null && ci) {
      throw new AssertionError("the dashboard browser test cannot run: " + missing);
    }
    Assumptions.assumeTrue(missing == null, missing);
  }

  private static boolean onPath(String command) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, command))) {
        return true;
      }
    }
    return false;
  }

  /** Requests every 100 ms, and one for an unknown host every second, so the charts move. */
  private static long sendTraffic(Vertx vertx, int proxyPort) {
    ProxyClient client = new ProxyClient(vertx, "127.0.0.31", proxyPort);
    ProxyClient other = new ProxyClient(vertx, "127.0.0.32", proxyPort);
    long[] ticks = {0};
    return vertx.setPeriodic(100, id -> {
      client.sendAsync(HttpMethod.GET, "shop.example.test", "/", null);
      other.sendAsync(HttpMethod.GET, "api.ferry.local", "/", null);
      if (++ticks[0] % 10 == 0) {
        client.sendAsync(HttpMethod.GET, "nothing.ferry.local", "/", null);
      }
    });
  }

  private static void assertPageLoadsWithoutTokenButApiDoesNot(int adminPort)
      throws IOException, InterruptedException {
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> page = http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + adminPort + "/")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, page.statusCode());
    assertTrue(page.headers().firstValue("content-type").orElse("").startsWith("text/html"));
    assertTrue(page.body().contains("/dashboard/app.js"));
    assertFalse(page.body().contains("http://") || page.body().contains("https://"),
        "the page loads nothing from elsewhere");
    HttpResponse<String> api = http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + adminPort + "/proxy/upstreams")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(401, api.statusCode());
  }

  private static Process runScript(int adminPort, String token, int backendPort)
      throws IOException {
    Path target = Path.of("target").toAbsolutePath();
    Files.createDirectories(target);
    for (String shot : List.of("dashboard.png", "dashboard-backend.png", "dashboard-phone.png")) {
      Files.deleteIfExists(target.resolve(shot));
    }
    ProcessBuilder builder = new ProcessBuilder("node", "dashboard.js")
        .directory(SCRIPT_DIR.toFile())
        .redirectErrorStream(true)
        .redirectOutput(target.resolve("dashboard-browser.log").toFile());
    builder.environment().put("DASHBOARD_URL", "http://127.0.0.1:" + adminPort + "/");
    builder.environment().put("ADMIN_TOKEN", token);
    builder.environment().put("UPSTREAM", "shop");
    builder.environment().put("BACKEND_ID", "1-shop");
    builder.environment().put("BACKEND_PORT", Integer.toString(backendPort));
    builder.environment().put("OUT_DIR", target.toString());
    return builder.start();
  }
}
