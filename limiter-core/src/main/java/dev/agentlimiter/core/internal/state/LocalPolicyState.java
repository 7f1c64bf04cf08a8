package dev.agentlimiter.core.internal.state;

import com.github.benmanes.caffeine.cache.Cache;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.PolicyState;
import dev.agentlimiter.core.internal.defence.GreedyMath;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConfigurationBuilder;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One policy's buckets in a {@link LocalStateStore}. All agents share one {@link BucketConfiguration}.
 * Every operation locks only the agent's bucket; the clock is read by the caller, once per decision.
 */
public final class LocalPolicyState implements PolicyState {

  public final LocalStateStore store;
  final Policy policy;
  final long salt;
  private final BucketConfiguration configuration;
  private final Bandwidth[] bandwidths;
  private final long[] periodNanos;
  private final long[] refillTokens;
  private final long[] capacity;
  /** The exact state of this policy's evicted buckets; see {@link #create}. */
  public final EvictionLedger ledger;

  LocalPolicyState(LocalStateStore store, Policy policy, long salt) {
    this.store = store;
    this.policy = policy;
    this.salt = salt;
    List<Limit> limits = policy.limits();
    int n = limits.size();
    this.bandwidths = new Bandwidth[n];
    this.periodNanos = new long[n];
    this.refillTokens = new long[n];
    this.capacity = new long[n];
    ConfigurationBuilder builder = BucketConfiguration.builder();
    for (int i = 0; i < n; i++) {
      Limit limit = limits.get(i);
      periodNanos[i] = limit.refillPeriod().toNanos();
      refillTokens[i] = limit.refillTokens();
      capacity[i] = limit.capacity();
      bandwidths[i] =
          Bandwidth.builder()
              .capacity(limit.capacity())
              .refillGreedy(limit.refillTokens(), limit.refillPeriod())
              .initialTokens(limit.initialTokens())
              .id(limit.name())
              .build();
      builder.addLimit(bandwidths[i]);
    }
    this.configuration = builder.build();
    this.ledger = new EvictionLedger(store.ledgerRecords, n * StateData.STRIDE);
  }

  @Override
  public boolean tryConsume(String agentId, long cost, long nowNanos) {
    return consume(agentId, cost, nowNanos, null, 0);
  }

  @Override
  public boolean tryConsume(String agentId, long cost, long nowNanos, long[] probe, int offset) {
    return consume(agentId, cost, nowNanos, probe, offset);
  }

  /** The bucket of a tracked agent, found without allocating, or null. */
  private @Nullable AgentBucket tracked(String agentId) {
    // The lookup probe is not an AgentKey, but equals the stored AgentKey of the same (policy, id); the
    // cast only widens the key type of a read.
    @SuppressWarnings("unchecked")
    Cache<Object, AgentBucket> untyped = (Cache<Object, AgentBucket>) (Object) store.cache;
    return untyped.getIfPresent(AgentKey.lookup(this, agentId));
  }

  private boolean consume(
      String agentId, long cost, long nowNanos, long @Nullable [] probe, int offset) {
    AgentBucket bucket = tracked(agentId);
    AgentKey key = null;
    if (bucket == null) {
      AgentKey newKey = AgentKey.of(this, agentId);
      key = newKey;
      bucket = store.cache.get(newKey, k -> create(k, nowNanos));
    }
    synchronized (bucket) {
      if (!bucket.retired) {
        return consumeLocked(bucket, cost, nowNanos, probe, offset);
      }
    }
    return consumeRetired(key != null ? key : AgentKey.of(this, agentId), cost, nowNanos, probe, offset);
  }

  /**
   * The rare path: the bucket was evicted after we looked it up. It must not be used any more: once evicted,
   * a newer bucket may have been built from the ledger, spent, and evicted in turn, so the retired one no
   * longer knows what was spent. Decide instead under the key's map lock, on the current bucket, or on a new
   * one built from the ledger, which holds the latest state of every evicted bucket of the key.
   */
  private boolean consumeRetired(
      AgentKey key, long cost, long nowNanos, long @Nullable [] probe, int offset) {
    boolean[] result = new boolean[1];
    store.cache.asMap()
        .compute(
            key,
            (k, current) -> {
              AgentBucket target = current != null ? current : create(k, nowNanos);
              synchronized (target) {
                result[0] = consumeLocked(target, cost, nowNanos, probe, offset);
              }
              return target;
            });
    return result[0];
  }

  private boolean consumeLocked(
      AgentBucket bucket, long cost, long nowNanos, long @Nullable [] probe, int offset) {
    bucket.refillAllBandwidth(nowNanos);
    boolean granted = bucket.getAvailableTokens() >= cost;
    if (granted) {
      bucket.consume(cost);
    }
    if (probe != null) {
      writeProbe(bucket, cost, probe, offset);
    }
    return granted;
  }

  @Override
  public void refund(String agentId, long tokens, long nowNanos) {
    AgentBucket bucket = tracked(agentId);
    if (bucket == null) {
      return; // evicted meanwhile: keeping the tokens spent is the safe side
    }
    synchronized (bucket) {
      if (!bucket.retired) {
        bucket.refillAllBandwidth(nowNanos);
        bucket.addTokens(tokens);
      }
    }
  }

  @Override
  public void inspect(String agentId, long cost, long nowNanos, long[] probe, int offset) {
    AgentBucket bucket = tracked(agentId);
    if (bucket != null && inspectTracked(bucket, cost, nowNanos, probe, offset)) {
      return;
    }
    // Not tracked (or evicted meanwhile): under the key's map lock, so that the bucket cannot be rebuilt
    // from the ledger, or evicted into it, while we look. The ledger's record is peeked, never taken.
    store.cache.asMap()
        .compute(
            AgentKey.of(this, agentId),
            (k, current) -> {
              if (current == null || !inspectTracked(current, cost, nowNanos, probe, offset)) {
                AgentBucket rebuilt = rebuild(k, nowNanos, false);
                rebuilt.refillAllBandwidth(nowNanos);
                writeProbe(rebuilt, cost, probe, offset);
              }
              return current;
            });
  }

  /** Writes the probe of a copy of a live bucket refilled to now; false if the bucket is retired. */
  private boolean inspectTracked(
      AgentBucket bucket, long cost, long nowNanos, long[] probe, int offset) {
    synchronized (bucket) {
      if (bucket.retired) {
        return false;
      }
      AgentBucket copy = new AgentBucket(configuration, nowNanos);
      copy.copyStateFrom(bucket);
      copy.refillAllBandwidth(nowNanos);
      writeProbe(copy, cost, probe, offset);
      return true;
    }
  }

  /**
   * Forgets the agent: drops its bucket (a request racing with this one decides on a new bucket) and the
   * ledger's record of it, under the key's map lock, so the next request starts as a new agent.
   */
  @Override
  public void forget(String agentId) {
    store.cache.asMap()
        .compute(
            AgentKey.of(this, agentId),
            (k, current) -> {
              if (current != null) {
                synchronized (current) {
                  current.retired = true;
                }
              }
              ledger.remove(k.hash64());
              return null;
            });
  }

  private void writeProbe(AgentBucket bucket, long cost, long[] probe, int offset) {
    for (int i = 0, at = offset; i < bandwidths.length; i++, at += PROBE_STRIDE) {
      probe[at] = bucket.getCurrentSize(i);
      probe[at + 1] = GreedyMath.nanosUntil(bucket, i, capacity[i], periodNanos[i], refillTokens[i]);
      probe[at + 2] = GreedyMath.nanosUntil(bucket, i, cost, periodNanos[i], refillTokens[i]);
    }
  }

  /**
   * The bucket of an agent the cache does not hold: if the ledger still has the record of its evicted
   * bucket, that bucket exactly as it left (Bucket4j's state words copied bit for bit, so it refills from
   * where it was, as if it had stayed tracked); otherwise a new bucket. The record is taken out of the
   * ledger: from now on the live bucket is the truth. Call under the key's map lock (in the cache's mapping
   * function), so that no other bucket of the key is built or evicted meanwhile.
   */
  AgentBucket create(AgentKey key, long nowNanos) {
    return rebuild(key, nowNanos, true);
  }

  private AgentBucket rebuild(AgentKey key, long nowNanos, boolean take) {
    AgentBucket bucket = new AgentBucket(configuration, nowNanos);
    long[] state = new long[bandwidths.length * StateData.STRIDE];
    long tag = key.hash64();
    if (take ? ledger.take(tag, state) : ledger.peek(tag, state)) {
      StateData.restore(bucket, state);
    }
    return bucket;
  }

  /**
   * Records the exact state of an evicted bucket, with when every limit is full again as its priority.
   * Nothing is refilled: the bucket is recorded exactly as its last request left it. Call with the
   * bucket's monitor held, under the key's map lock (in the cache's eviction listener).
   */
  void recordInLedger(AgentKey key, AgentBucket bucket, long nowNanos) {
    long[] data = StateData.of(bucket, bandwidths.length);
    long fullAt = Long.MIN_VALUE;
    for (int i = 0; i < bandwidths.length; i++) {
      long untilFull = GreedyMath.nanosUntil(bucket, i, capacity[i], periodNanos[i], refillTokens[i]);
      // Refilling starts at the last refill (later than now if the clock went back).
      long from = StateData.lastRefill(data, i);
      long at = from + untilFull;
      fullAt = Math.max(fullAt, at < from ? Long.MAX_VALUE : at);
    }
    ledger.put(key.hash64(), fullAt, nowNanos, data);
  }
}
