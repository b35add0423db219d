package dev.ferry.testing;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import java.util.concurrent.TimeUnit;

/** Real backends on loopback for the proxy to forward to. */
public final class Backends {

  private Backends() {
  }

  /**
   * An HTTP server that answers every request with JSON naming itself and echoing what it
   * received: method, path, headers and the body's length.
   */
  public static HttpServer named(Vertx vertx, String name, int port) {
    HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1"))
        .requestHandler(req -> req.body().onSuccess(body -> {
          JsonObject headers = new JsonObject();
          req.headers().forEach(h -> headers.put(h.getKey().toLowerCase(), h.getValue()));
          req.response().putHeader("content-type", "application/json").end(new JsonObject()
              .put("backend", name)
              .put("method", req.method().name())
              .put("path", req.uri())
              .put("headers", headers)
              .put("bodyLength", body.length())
              .encode());
        }));
    await(server.listen(port));
    return server;
  }

  /** A TCP server that sends back every byte it receives. */
  public static NetServer echo(Vertx vertx, int port) {
    NetServer server = vertx.createNetServer()
        .connectHandler(socket -> socket.handler(socket::write));
    await(server.listen(port, "127.0.0.1"));
    return server;
  }

  /** The Vert.x instance of a test's clients and backends. */
  public static Vertx vertx() {
    return Vertx.vertx();
  }

  /**
   * Starts {@code work} on {@code context} and answers its result. A request a test starts
   * from its own thread gets a new context each time, while a kept-alive connection stays on
   * the context that opened it; about one such request in ten thousand then never completed,
   * although the proxy had sent the whole answer. Requests of one client all start here.
   */
  public static <T> io.vertx.core.Future<T> on(io.vertx.core.Context context,
      java.util.function.Supplier<io.vertx.core.Future<T>> work) {
    io.vertx.core.Promise<T> result = io.vertx.core.Promise.promise();
    context.runOnContext(v -> work.get().onComplete(result));
    return result.future();
  }

  public static <T> T await(io.vertx.core.Future<T> future) {
    try {
      return future.await(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      dumpThreads();
      throw new IllegalStateException(e);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Writes every thread's stack to target/, to show where a wait that timed out was stuck. */
  private static void dumpThreads() {
    StringBuilder dump = new StringBuilder();
    Thread.getAllStackTraces().forEach((thread, stack) -> {
      dump.append('"').append(thread.getName()).append("\" ").append(thread.getState())
          .append('\n');
      for (StackTraceElement frame : stack) {
        dump.append("    at ").append(frame).append('\n');
      }
    });
    try {
      java.nio.file.Files.writeString(java.nio.file.Path.of("target",
          "timeout-threads-" + System.currentTimeMillis() + ".txt"), dump);
    } catch (java.io.IOException ignored) {
      // The dump is a diagnosis aid; the timeout itself is reported either way.
    }
  }

  public static Buffer bytes(int size) {
    byte[] data = new byte[size];
    for (int i = 0; i < size; i++) {
      data[i] = (byte) (i * 31 + (i >> 8));
    }
    return Buffer.buffer(data);
  }
}
