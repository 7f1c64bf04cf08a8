package dev.agentlimiter.core.internal.state;

import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.BucketState64BitsInteger;

/**
 * One agent's buckets under one policy: Bucket4j's 64-bit integer state (three {@code long}s per limit)
 * sharing its policy's {@link BucketConfiguration}, plus a flag set when the cache evicts it. Guarded by its
 * own monitor. The flag fits in the object's alignment padding, so it costs no memory.
 */
final class AgentBucket extends BucketState64BitsInteger {

  /**
   * Set, under this object's monitor, once the entry has left the cache: evicted (its state went to the
   * ledger) or forgotten. A retired bucket is never used again.
   */
  boolean retired;

  AgentBucket(BucketConfiguration configuration, long nowNanos) {
    super(configuration, nowNanos);
  }
}
