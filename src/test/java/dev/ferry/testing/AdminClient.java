package dev.ferry.testing;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Blocking calls to a node's admin API, as an operator's script would make them. */
public final class AdminClient {

  private static final HttpClient HTTP = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();

  private final int port;
  private final String token;

  public AdminClient(int port, String token) {
    this.port = port;
    this.token = token;
  }

  /** An answer: status, body text, and the body as JSON when it is JSON. */
  public record Answer(int status, String body, HttpResponse<String> raw) {

    public JsonObject json() {
      return new JsonObject(body);
    }

    public JsonArray array() {
      return new JsonArray(body);
    }

    public String error() {
      return json().getString("error");
    }
  }

  public Answer call(String method, String path, String body, String contentType) {
    String authorization = token != null && !token.isEmpty() ? "Bearer " + token : null;
    return call(method, path, body, contentType, authorization);
  }

  /** A call with this exact {@code Authorization} header, or none when it is null. */
  public Answer call(String method, String path, String body, String contentType,
      String authorization) {
    HttpRequest.Builder request = HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(15))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    try {
      HttpResponse<String> response = HTTP.send(request.build(),
          HttpResponse.BodyHandlers.ofString());
      return new Answer(response.statusCode(), response.body(), response);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public Answer get(String path) {
    return call("GET", path, null, null);
  }

  public Answer put(String body) {
    return call("PUT", "/proxy/upstreams", body, "application/json");
  }

  public Answer put(JsonObject body) {
    return put(body.encode());
  }

  public Answer delete(String body) {
    return call("DELETE", "/proxy/upstreams", body, "application/json");
  }

  /** Adds a backend and fails the test unless the node answers 201. */
  public JsonObject putBackend(String upstream, String id, int port, JsonObject upstreamExtra,
      JsonObject backendExtra) {
    JsonObject body = new JsonObject()
        .put("upstream", new JsonObject().put("name", upstream).mergeIn(upstreamExtra))
        .put("backend", new JsonObject().put("id", id).put("ip", "127.0.0.1")
            .put("port", port).put("scheme", "http").mergeIn(backendExtra));
    Answer answer = put(body);
    if (answer.status() != 201) {
      throw new AssertionError("PUT answered " + answer.status() + ": " + answer.body());
    }
    return answer.json();
  }

  public JsonObject putBackend(String upstream, String id, int port) {
    return putBackend(upstream, id, port, new JsonObject(), new JsonObject());
  }

  /** Removes a backend and fails the test unless the node answers 204. */
  public void deleteBackend(String upstream, String id) {
    Answer answer = delete(new JsonObject()
        .put("upstream", new JsonObject().put("name", upstream))
        .put("backend", new JsonObject().put("id", id)).encode());
    if (answer.status() != 204) {
      throw new AssertionError("DELETE answered " + answer.status() + ": " + answer.body());
    }
  }
}
