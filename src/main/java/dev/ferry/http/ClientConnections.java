package dev.ferry.http;

import dev.ferry.limits.ConnectionLimit;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.impl.ConnectionBase;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * The client connections of one HTTP listener instance. Each takes a place under the node's
 * {@code maxConnections}, and gets {@code requestHeaderTimeout} to deliver its first request
 * header: Vert.x's idle timeout alone would let a client that trickles a byte a second hold the
 * connection for ever. Later requests on a kept-alive connection fall under the idle timeout.
 *
 * <p>Both watch the Netty channel rather than the {@code HttpConnection}: after a WebSocket
 * upgrade the connection's close handler is no longer called, while the channel's close always
 * is. Everything here runs on the listener's event loop, which is also each channel's.
 */
final class ClientConnections {

  private static final Logger log = Logger.getLogger(ClientConnections.class.getName());
  private static final byte[] REQUEST_TIMEOUT_TEXT =
      "the request header did not arrive in time\n".getBytes(StandardCharsets.UTF_8);

  private final Vertx vertx;
  private final ConnectionLimit limit;
  private final long headerTimeoutMillis;
  private final Map<HttpConnection, Long> awaitingHeader = new HashMap<>();
  private final Set<HttpConnection> closing = new HashSet<>();

  ClientConnections(Vertx vertx, ConnectionLimit limit, long headerTimeoutMillis) {
    this.vertx = vertx;
    this.limit = limit;
    this.headerTimeoutMillis = headerTimeoutMillis;
  }

  void opened(HttpConnection connection, String listener) {
    Channel channel = ((ConnectionBase) connection).channel();
    if (!limit.tryOpen(listener)) {
      channel.close();
      return;
    }
    // A client that resets its connection is routine, not an error for the operator's log.
    connection.exceptionHandler(err -> log.fine(() -> "Client connection "
        + connection.remoteAddress() + " failed: " + err));
    long timer = vertx.setTimer(headerTimeoutMillis, t -> headerTimedOut(connection, channel));
    awaitingHeader.put(connection, timer);
    channel.closeFuture().addListener(f -> {
      limit.closed();
      closing.remove(connection);
      Long pending = awaitingHeader.remove(connection);
      if (pending != null) {
        vertx.cancelTimer(pending);
      }
    });
  }

  void requestArrived(HttpServerRequest request) {
    Long pending = awaitingHeader.remove(request.connection());
    if (pending != null) {
      vertx.cancelTimer(pending);
    }
  }

  /** Marks a connection whose current answer closes it: what it sends next is not served. */
  void closeAfterAnswer(HttpConnection connection) {
    closing.add(connection);
  }

  boolean closing(HttpConnection connection) {
    return !closing.isEmpty() && closing.contains(connection);
  }

  private static FullHttpResponse requestTimeout() {
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
        HttpResponseStatus.REQUEST_TIMEOUT, Unpooled.wrappedBuffer(REQUEST_TIMEOUT_TEXT));
    response.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
        .set(HttpHeaderNames.CONTENT_LENGTH, REQUEST_TIMEOUT_TEXT.length)
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    return response;
  }

  private void headerTimedOut(HttpConnection connection, Channel channel) {
    if (awaitingHeader.remove(connection) == null) {
      return;
    }
    log.fine(() -> "Client " + connection.remoteAddress() + " sent no complete request header"
        + " within " + headerTimeoutMillis + " ms; closing its connection");
    // No response has started on this connection: the answer goes to the encoder on its own.
    channel.writeAndFlush(requestTimeout()).addListener(ChannelFutureListener.CLOSE);
  }
}
