import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load for the benchmark scripts, on loopback only; every run is bounded by a count and a
 * deadline.
 *
 * <pre>
 * load ADMIN_PORT PREFIX FIRST COUNT BACKENDS STICKY ORIGIN_PORT PARALLEL DEADLINE_S
 *   PUTs upstreams PREFIX{FIRST..FIRST+COUNT-1}, each with BACKENDS backends at 127.0.0.1..n
 *   on ORIGIN_PORT, through PARALLEL clients. Prints "puts ok failed seconds puts_per_s".
 * sessions PROXY_PORT PREFIX UPSTREAMS COUNT PARALLEL DEADLINE_S
 *   COUNT requests, each on a new connection from its own source address 127.x.y.z, to host
 *   PREFIX{i % UPSTREAMS}.ferry.local. Prints "requests ok failed seconds requests_per_s".
 * </pre>
 */
public class BenchClient {

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "load" -> load(Integer.parseInt(args[1]), args[2], Integer.parseInt(args[3]),
          Integer.parseInt(args[4]), Integer.parseInt(args[5]), Boolean.parseBoolean(args[6]),
          Integer.parseInt(args[7]), Integer.parseInt(args[8]), Integer.parseInt(args[9]));
      case "sessions" -> sessions(Integer.parseInt(args[1]), args[2], Integer.parseInt(args[3]),
          Integer.parseInt(args[4]), Integer.parseInt(args[5]), Integer.parseInt(args[6]));
      default -> throw new IllegalArgumentException("load or sessions");
    }
  }

  static void load(int admin, String prefix, int first, int count, int backends, boolean sticky,
      int originPort, int parallel, int deadlineSeconds) throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    URI uri = URI.create("http://127.0.0.1:" + admin + "/proxy/upstreams");
    int total = count * backends;
    long deadline = System.nanoTime() + deadlineSeconds * 1_000_000_000L;
    AtomicInteger next = new AtomicInteger();
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    AtomicLong firstError = new AtomicLong();
    ExecutorService pool = Executors.newFixedThreadPool(parallel);
    long start = System.nanoTime();
    for (int t = 0; t < parallel; t++) {
      pool.submit(() -> {
        int i;
        // Backend b of every upstream before backend b + 1 of any, so upstreams fill evenly.
        while ((i = next.getAndIncrement()) < total && System.nanoTime() < deadline) {
          int u = first + i % count;
          int b = 1 + i / count;
          String body = "{\"upstream\":{\"name\":\"" + prefix + u + "\",\"sticky\":" + sticky
              + "},\"backend\":{\"id\":\"" + b + "\",\"ip\":\"127.0.0." + b + "\",\"port\":"
              + originPort + ",\"scheme\":\"http\"}}";
          try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 201) {
              ok.incrementAndGet();
            } else if (failed.incrementAndGet() == 1) {
              System.err.println("PUT answered " + r.statusCode() + ": " + r.body());
            }
          } catch (Exception e) {
            if (failed.incrementAndGet() == 1) {
              System.err.println("PUT failed: " + e);
            }
          }
        }
        return null;
      });
    }
    pool.shutdown();
    pool.awaitTermination(deadlineSeconds + 60L, TimeUnit.SECONDS);
    double seconds = (System.nanoTime() - start) / 1e9;
    int done = ok.get() + failed.get();
    if (done < total) {
      System.err.println("deadline reached after " + done + " of " + total + " PUTs");
    }
    System.out.printf("%d %d %d %.2f %.0f%n", done, ok.get(), failed.get(), seconds,
        done / seconds);
  }

  static void sessions(int port, String prefix, int upstreams, int count, int parallel,
      int deadlineSeconds) throws Exception {
    long deadline = System.nanoTime() + deadlineSeconds * 1_000_000_000L;
    AtomicInteger next = new AtomicInteger();
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(parallel);
    long start = System.nanoTime();
    for (int t = 0; t < parallel; t++) {
      pool.submit(() -> {
        int i;
        while ((i = next.getAndIncrement()) < count && System.nanoTime() < deadline) {
          // 254 * 254 addresses per second octet, from 127.10.1.1 on; none ends in 0 or 255.
          byte[] source = {127, (byte) (10 + i / (254 * 254)), (byte) (1 + (i / 254) % 254),
              (byte) (1 + i % 254)};
          String host = prefix + (i % upstreams) + ".ferry.local";
          try {
            int status = request(InetAddress.getByAddress(source), port, host);
            if (status == 200) {
              ok.incrementAndGet();
            } else if (failed.incrementAndGet() <= 3) {
              System.err.println("request for " + host + " answered " + status);
            }
          } catch (Exception e) {
            if (failed.incrementAndGet() <= 3) {
              System.err.println("request for " + host + " failed: " + e);
            }
          }
        }
        return null;
      });
    }
    pool.shutdown();
    pool.awaitTermination(deadlineSeconds + 60L, TimeUnit.SECONDS);
    double seconds = (System.nanoTime() - start) / 1e9;
    int done = ok.get() + failed.get();
    if (done < count) {
      System.err.println("deadline reached after " + done + " of " + count + " requests");
    }
    System.out.printf("%d %d %d %.2f %.0f%n", done, ok.get(), failed.get(), seconds,
        done / seconds);
  }

  /** One GET on a new connection from {@code source}; answers the status code. */
  static int request(InetAddress source, int port, String host) throws Exception {
    try (Socket s = new Socket()) {
      s.setSoTimeout(10_000);
      s.bind(new InetSocketAddress(source, 0));
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
      OutputStream out = s.getOutputStream();
      out.write(("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      byte[] buf = new byte[4096];
      int n;
      while ((n = in.read(buf)) > 0) {
        head.write(buf, 0, n);
      }
      String text = head.toString(StandardCharsets.ISO_8859_1);
      if (!text.startsWith("HTTP/1.1 ")) {
        throw new IllegalStateException("no status line: " + text);
      }
      return Integer.parseInt(text.substring(9, 12));
    }
  }
}
