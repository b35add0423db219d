package dev.ferry.stats;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import java.util.Collection;

/**
 * The deltas of one flush of a {@link TrafficCounter}, handed to the stats verticle of the same
 * node as they are: when every request names another upstream there is about one delta per
 * request, and turning each into JSON and back was a large share of the stats verticle's time.
 */
record DeltaBatch(Collection<TrafficDelta> deltas) {

  /** Passes a batch by reference; it never leaves the node. */
  static final class LocalCodec implements MessageCodec<DeltaBatch, DeltaBatch> {

    @Override
    public void encodeToWire(Buffer buffer, DeltaBatch batch) {
      throw new UnsupportedOperationException("counter deltas stay on their node");
    }

    @Override
    public DeltaBatch decodeFromWire(int pos, Buffer buffer) {
      throw new UnsupportedOperationException("counter deltas stay on their node");
    }

    @Override
    public DeltaBatch transform(DeltaBatch batch) {
      return batch;
    }

    @Override
    public String name() {
      return "ferry.delta-batch";
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }
}
