package dev.agentlimiter.core;

import com.github.benmanes.caffeine.cache.Cache;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.PolicyState;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConfigurationBuilder;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One policy's buckets in a {@link LocalStateStore}. All agents share one {@link BucketConfiguration}.
 * Every operation locks only the agent's bucket; the clock is read by the caller, once per decision.
 */
final class LocalPolicyState implements PolicyState {

  final LocalStateStore store;
  final Policy policy;
  final long salt;
  private final BucketConfiguration configuration;
  private final Bandwidth[] bandwidths;
  private final long[] periodNanos;
  private final long[] refillTokens;
  private final long[] capacity;
  private final long[] initialTokens;
  /** Per limit, the time, rounded up, to refill from its initial tokens. */
  private final long[] fillFromInitialNanos;
  /** Per limit, {@code floor(capacity * period / refill)}. */
  private final long[] floorFillNanos;
  /** When this policy's evicted buckets would be full again; see {@link #create}. */
  private final EvictionLedger ledger;

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
    this.initialTokens = new long[n];
    this.fillFromInitialNanos = new long[n];
    this.floorFillNanos = new long[n];
    ConfigurationBuilder builder = BucketConfiguration.builder();
    for (int i = 0; i < n; i++) {
      Limit limit = limits.get(i);
      periodNanos[i] = limit.refillPeriod().toNanos();
      refillTokens[i] = limit.refillTokens();
      capacity[i] = limit.capacity();
      initialTokens[i] = limit.initialTokens();
      floorFillNanos[i] = capacity[i] * periodNanos[i] / refillTokens[i];
      long missingTokens = capacity[i] - initialTokens[i];
      fillFromInitialNanos[i] =
          Math.floorDiv(missingTokens * periodNanos[i] + refillTokens[i] - 1, refillTokens[i]);
      bandwidths[i] = bandwidth(limit, limit.initialTokens());
      builder.addLimit(bandwidths[i]);
    }
    this.configuration = builder.build();
    this.ledger = new EvictionLedger(store.ledgerSlots, n);
  }

  private static Bandwidth bandwidth(Limit limit, long initial) {
    return Bandwidth.builder()
        .capacity(limit.capacity())
        .refillGreedy(limit.refillTokens(), limit.refillPeriod())
        .initialTokens(initial)
        .id(limit.name())
        .build();
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
    if (bucket != null) {
      synchronized (bucket) {
        if (!bucket.retired) {
          AgentBucket copy = new AgentBucket(configuration, nowNanos);
          copy.copyStateFrom(bucket);
          copy.refillAllBandwidth(nowNanos);
          writeProbe(copy, cost, probe, offset);
          return;
        }
      }
    }
    AgentBucket rebuilt = create(AgentKey.of(this, agentId), nowNanos);
    rebuilt.refillAllBandwidth(nowNanos);
    writeProbe(rebuilt, cost, probe, offset);
  }

  @Override
  public void forget(String agentId) {
    store.cache.invalidate(AgentKey.of(this, agentId));
  }

  private void writeProbe(AgentBucket bucket, long cost, long[] probe, int offset) {
    for (int i = 0, at = offset; i < bandwidths.length; i++, at += PROBE_STRIDE) {
      probe[at] = bucket.getCurrentSize(i);
      probe[at + 1] = GreedyMath.nanosUntil(bucket, i, capacity[i], periodNanos[i], refillTokens[i]);
      probe[at + 2] = GreedyMath.nanosUntil(bucket, i, cost, periodNanos[i], refillTokens[i]);
    }
  }

  /**
   * A new bucket for an agent the cache does not hold: full (or at the initial tokens) unless the ledger
   * says a bucket under this slot was evicted before a limit was full again, at {@code fullAt[i]}. Then the
   * bucket is rebuilt so that it holds no token the evicted one would not have, nor more than a new bucket
   * would: limit {@code i} gets {@code capacity - ceil((fullAt[i] - now) * refill / period)} tokens (no
   * more than its initial tokens), and the refill clock is set back, by less than one token's time, to the
   * latest start at which every limit is full no earlier than recorded; a one-limit bucket comes back
   * exactly as it left. Only after the clock went backwards can a recorded time lie further ahead than a
   * full refill; that limit then starts empty and the bucket waits until it could have started refilling.
   */
  AgentBucket create(AgentKey key, long nowNanos) {
    long hash = key.hash64();
    boolean recorded = false;
    for (int i = 0; i < bandwidths.length; i++) {
      long fullAt = ledger.fullAt(hash, i);
      recorded |= fullAt != EvictionLedger.EMPTY && fullAt > nowNanos;
    }
    if (!recorded) {
      return new AgentBucket(configuration, nowNanos);
    }
    ConfigurationBuilder builder = BucketConfiguration.builder();
    long start = Long.MIN_VALUE;
    for (int i = 0; i < bandwidths.length; i++) {
      long fullAt = Math.max(ledger.fullAt(hash, i), nowNanos + fillFromInitialNanos[i]);
      long missingNanos = Math.max(0, fullAt - nowNanos);
      long tokens;
      if (missingNanos <= floorFillNanos[i]) {
        // missingNanos * refill <= capacity * period, which Limit guarantees fits.
        long deficit =
            Math.floorDiv(missingNanos * refillTokens[i] + periodNanos[i] - 1, periodNanos[i]);
        tokens = Math.min(capacity[i] - deficit, initialTokens[i]);
        start = Math.max(start, fullAt - (capacity[i] - tokens) * periodNanos[i] / refillTokens[i]);
      } else {
        tokens = 0;
        start = Math.max(start, fullAt - floorFillNanos[i]);
      }
      builder.addLimit(bandwidth(policy.limits().get(i), tokens));
    }
    AgentBucket bucket = new AgentBucket(builder.build(), start);
    bucket.setConfiguration(configuration);
    return bucket;
  }

  /** Records when each limit of {@code bucket} would be full again. Call with the bucket's monitor held. */
  void recordInLedger(AgentKey key, AgentBucket bucket, long nowNanos) {
    bucket.refillAllBandwidth(nowNanos);
    for (int i = 0; i < bandwidths.length; i++) {
      long untilFull = GreedyMath.nanosUntil(bucket, i, capacity[i], periodNanos[i], refillTokens[i]);
      if (untilFull > 0) {
        // If the clock went back, refilling resumes only at the last refill, not now.
        long from = Math.max(nowNanos, LastRefill.of(bucket, i));
        ledger.record(key.hash64(), i, from + untilFull);
      }
    }
  }
}
