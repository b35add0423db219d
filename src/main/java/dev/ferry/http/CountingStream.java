package dev.ferry.http;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import java.util.function.LongConsumer;

/** A body stream that reports the size of each buffer passing through it, and its end. */
final class CountingStream implements ReadStream<Buffer> {

  private final ReadStream<Buffer> source;
  private final LongConsumer counted;
  private final Runnable ended;

  /** {@code ended}, when not null, runs as the last buffer has passed. */
  CountingStream(ReadStream<Buffer> source, LongConsumer counted, Runnable ended) {
    this.source = source;
    this.counted = counted;
    this.ended = ended;
  }

  @Override
  public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    source.exceptionHandler(handler);
    return this;
  }

  @Override
  public ReadStream<Buffer> handler(Handler<Buffer> handler) {
    if (handler == null) {
      source.handler(null);
    } else {
      source.handler(buffer -> {
        counted.accept(buffer.length());
        handler.handle(buffer);
      });
    }
    return this;
  }

  @Override
  public ReadStream<Buffer> pause() {
    source.pause();
    return this;
  }

  @Override
  public ReadStream<Buffer> resume() {
    source.resume();
    return this;
  }

  @Override
  public ReadStream<Buffer> fetch(long amount) {
    source.fetch(amount);
    return this;
  }

  @Override
  public ReadStream<Buffer> endHandler(Handler<Void> endHandler) {
    if (ended == null || endHandler == null) {
      source.endHandler(endHandler);
    } else {
      source.endHandler(v -> {
        endHandler.handle(v);
        ended.run();
      });
    }
    return this;
  }
}
