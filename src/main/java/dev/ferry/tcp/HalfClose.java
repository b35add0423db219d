package dev.ferry.tcp;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;

/**
 * TCP half-close for relayed sockets: a peer that shuts down its sending side (FIN) while it
 * still reads, as a client that sends its whole request and then waits for the reply does,
 * has that end passed on to the other side, whose answer still flows back.
 *
 * <p>Vert.x closes a socket at its peer's FIN and reports no half-close. Here the socket's
 * channel is told to stay open, and the end of its input reaches the socket's handler as an
 * empty buffer, in order after the data before it, also while the socket is paused. Reads
 * never deliver an empty buffer, so it cannot be mistaken for data.
 */
final class HalfClose {

  private HalfClose() {
  }

  /** Keeps {@code socket} open at its peer's FIN, which its handler then gets as an empty buffer. */
  static void allow(NetSocket socket) {
    Channel channel = ((NetSocketInternal) socket).channelHandlerContext().channel();
    channel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
    channel.pipeline().addFirst(new ChannelInboundHandlerAdapter() {
      @Override
      public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof ChannelInputShutdownEvent) {
          ctx.fireChannelRead(Unpooled.EMPTY_BUFFER);
          ctx.fireChannelReadComplete();
        } else {
          super.userEventTriggered(ctx, event);
        }
      }
    });
  }

  /** Whether a buffer from an allowed socket's handler is its peer's end. */
  static boolean isEnd(Buffer buffer) {
    return buffer.length() == 0;
  }

  /**
   * Sends a FIN on {@code socket} once what was written to it before has gone out; it can
   * still read.
   */
  static void shutdownOutput(NetSocket socket, Runnable done) {
    socket.write(Buffer.buffer()).onComplete(written -> {
      Channel channel = ((NetSocketInternal) socket).channelHandlerContext().channel();
      if (written.succeeded() && channel instanceof DuplexChannel duplex) {
        duplex.shutdownOutput().addListener(f -> done.run());
      } else {
        done.run();
      }
    });
  }
}
