package dev.agentlimiter.core;

import io.github.bucket4j.BucketState64BitsInteger;
import io.github.bucket4j.distributed.serialization.Scope;
import io.github.bucket4j.distributed.serialization.SerializationAdapter;
import io.github.bucket4j.distributed.versioning.Versions;
import java.io.IOException;

/**
 * Reads the per-limit last-refill times that Bucket4j keeps but does not expose, through its public
 * serialization (format v7: one {@code long[]} of {@code [lastRefill, size, roundingError]} per limit).
 * Used only when a bucket is evicted, where it keeps the ledger exact even if the clock went backwards.
 * {@code EvictionProperties} fails if a Bucket4j upgrade changes the layout.
 */
final class LastRefill {

  private static final int STRIDE = 3;

  private LastRefill() {}

  /** The last-refill time of {@code limit}. Call with the bucket's monitor held. */
  static long of(AgentBucket bucket, int limit) {
    long[][] holder = new long[1][];
    try {
      BucketState64BitsInteger.SERIALIZATION_HANDLE.serialize(
          Capture.INSTANCE, holder, bucket, Versions.getLatest(), Scope.PERSISTED_STATE);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read Bucket4j state", e);
    }
    long[] data = holder[0];
    if (data == null || data.length < (limit + 1) * STRIDE) {
      throw new IllegalStateException("unexpected Bucket4j state layout");
    }
    return data[limit * STRIDE];
  }

  /** Keeps the state array and ignores everything else. */
  private enum Capture implements SerializationAdapter<long[][]> {
    INSTANCE;

    @Override
    public void writeLongArray(long[][] output, long[] value) {
      output[0] = value;
    }

    @Override
    public void writeBoolean(long[][] output, boolean value) {}

    @Override
    public void writeByte(long[][] output, byte value) {}

    @Override
    public void writeInt(long[][] output, int value) {}

    @Override
    public void writeLong(long[][] output, long value) {}

    @Override
    public void writeDoubleArray(long[][] output, double[] value) {}

    @Override
    public void writeString(long[][] output, String value) {}
  }
}
