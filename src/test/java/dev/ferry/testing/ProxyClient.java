package dev.ferry.testing;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;

/**
 * An HTTP client of the proxy with its own source address on loopback, so that tests can play
 * many client IPs. It keeps one connection alive across its requests.
 */
public final class ProxyClient implements AutoCloseable {

  private final HttpClient client;
  private final Context context;
  private final int proxyPort;
  private final String sourceAddress;

  /** The status and body of one answer. */
  public record Reply(int status, Buffer body) {

    public JsonObject json() {
      return new JsonObject(body);
    }
  }

  public ProxyClient(Vertx vertx, String sourceAddress, int proxyPort) {
    this.client = vertx.createHttpClient(new HttpClientOptions()
        .setLocalAddress(sourceAddress).setKeepAlive(true), new PoolOptions().setHttp1MaxSize(1));
    this.proxyPort = proxyPort;
    this.sourceAddress = sourceAddress;
    this.context = vertx.getOrCreateContext();
  }

  public String sourceAddress() {
    return sourceAddress;
  }

  public Reply send(HttpMethod method, String host, String path, Buffer body) {
    return Backends.await(sendAsync(method, host, path, body));
  }

  public Future<Reply> sendAsync(HttpMethod method, String host, String path, Buffer body) {
    RequestOptions options = new RequestOptions()
        .setMethod(method)
        .setServer(SocketAddress.inetSocketAddress(proxyPort, "127.0.0.1"))
        .setHost(host)
        .setPort(80)
        .setURI(path);
    return Backends.on(context, () -> client.request(options)
        .compose(request -> body == null ? request.send() : request.send(body))
        .compose(response -> response.body()
            .map(received -> new Reply(response.statusCode(), received))));
  }

  public Reply get(String host) {
    return send(HttpMethod.GET, host, "/", null);
  }

  /** The name of the backend that answered a GET for {@code host}; fails on any non-200. */
  public String backendFor(String host) {
    return Backends.await(backendForAsync(host));
  }

  public Future<String> backendForAsync(String host) {
    return sendAsync(HttpMethod.GET, host, "/", null).compose(reply -> reply.status() == 200
        ? Future.succeededFuture(reply.json().getString("backend"))
        : Future.failedFuture(new AssertionError("GET " + host + " answered "
            + reply.status() + ": " + reply.body())));
  }

  @Override
  public void close() {
    Backends.await(client.close());
  }
}
