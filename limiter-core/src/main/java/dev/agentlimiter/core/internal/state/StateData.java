package dev.agentlimiter.core.internal.state;

import io.github.bucket4j.BucketState64BitsInteger;
import io.github.bucket4j.distributed.serialization.DeserializationAdapter;
import io.github.bucket4j.distributed.serialization.Scope;
import io.github.bucket4j.distributed.serialization.SerializationAdapter;
import io.github.bucket4j.distributed.versioning.Versions;
import java.io.IOException;
import java.util.Arrays;

/**
 * Bucket4j's state words of a bucket, read and written bit for bit through its public serialization of
 * {@link BucketState64BitsInteger} (format v7: one {@code long[]} of {@code [lastRefill, size,
 * roundingError]} per limit). Used only when a bucket is evicted or rebuilt, so that an evicted bucket
 * comes back exactly as it left. {@code EvictionProperties} and {@code Issue14RetryAfterAfterIdleTest} fail
 * if a Bucket4j upgrade changes the layout.
 */
final class StateData {

  /** State words per limit. */
  static final int STRIDE = 3;

  private StateData() {}

  /**
   * The bucket's state words: Bucket4j's own array, to be read, never written, with the bucket's monitor
   * held.
   */
  static long[] of(AgentBucket bucket, int limits) {
    long[][] holder = new long[1][];
    try {
      BucketState64BitsInteger.SERIALIZATION_HANDLE.serialize(
          Capture.INSTANCE, holder, bucket, Versions.getLatest(), Scope.PERSISTED_STATE);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read Bucket4j state", e);
    }
    long[] data = holder[0];
    if (data == null || data.length != limits * STRIDE) {
      throw new IllegalStateException("unexpected Bucket4j state layout");
    }
    return data;
  }

  /** The last-refill time of {@code limit} in state words {@code data}. */
  static long lastRefill(long[] data, int limit) {
    return data[limit * STRIDE];
  }

  /** Sets {@code bucket}'s state to a copy of {@code data}. Call before the bucket is shared. */
  static void restore(AgentBucket bucket, long[] data) {
    BucketState64BitsInteger state;
    try {
      state = BucketState64BitsInteger.SERIALIZATION_HANDLE.deserialize(Source.INSTANCE, data);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write Bucket4j state", e);
    }
    state.setConfiguration(bucket.getConfiguration());
    bucket.copyStateFrom(state); // the same configuration: copies the words into the bucket's own array
    if (!Arrays.equals(of(bucket, data.length / STRIDE), data)) {
      throw new IllegalStateException("unexpected Bucket4j state layout");
    }
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

  /** Serves format v7 and a copy of the source's state words; nothing else is read. */
  private enum Source implements DeserializationAdapter<long[]> {
    INSTANCE;

    @Override
    public int readInt(long[] source) {
      return Versions.v_7_0_0.getNumber();
    }

    @Override
    public long[] readLongArray(long[] source) {
      return source.clone();
    }

    @Override
    public boolean readBoolean(long[] source) throws IOException {
      throw new IOException("unexpected read");
    }

    @Override
    public byte readByte(long[] source) throws IOException {
      throw new IOException("unexpected read");
    }

    @Override
    public long readLong(long[] source) throws IOException {
      throw new IOException("unexpected read");
    }

    @Override
    public double[] readDoubleArray(long[] source) throws IOException {
      throw new IOException("unexpected read");
    }

    @Override
    public String readString(long[] source) throws IOException {
      throw new IOException("unexpected read");
    }
  }
}
