package dev.agentlimiter.core.internal.state;

import com.github.benmanes.caffeine.cache.Cache;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.PolicyState;
import dev.agentlimiter.api.StateInheritance;
import io.github.bucket4j.BucketState;
import io.github.bucket4j.TokensInheritanceStrategy;
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

  /**
   * The version of the same policy name this one replaced, whose agents' buckets this one takes over on
   * their first request ({@link #carry}); {@code null} once nothing of it can be left (its live buckets have
   * all expired) or if there was none.
   */
  private volatile @Nullable LocalPolicyState predecessor;

  /** Engine nanos after which {@link #predecessor} can hold no live bucket any more. */
  private final long predecessorUntil;

  /** How the predecessor's tokens carry over. */
  private final StateInheritance inheritance;

  /** The version that replaced this one, to which its buckets go when they leave the cache; or null. */
  private volatile @Nullable LocalPolicyState successor;

  /** Set when the policy left the configuration: its buckets go nowhere. */
  private volatile boolean dropped;

  LocalPolicyState(LocalStateStore store, Policy policy, long salt) {
    this(store, policy, salt, null, StateInheritance.RESET, 0);
  }

  /**
   * A version of a policy name; {@code predecessor}'s buckets are carried over by {@code inheritance}
   * until {@code predecessorUntil}.
   */
  LocalPolicyState(
      LocalStateStore store, Policy policy, long salt, @Nullable LocalPolicyState predecessor,
      StateInheritance inheritance, long predecessorUntil) {
    this.store = store;
    this.policy = policy;
    this.salt = salt;
    this.predecessor = inheritance == StateInheritance.RESET ? null : predecessor;
    this.inheritance = inheritance;
    this.predecessorUntil = predecessorUntil;
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
      BucketState carried = carry(newKey, nowNanos);
      bucket = store.cache.get(newKey, k -> create(k, nowNanos, carried));
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
              AgentBucket target = current != null ? current : create(k, nowNanos, null);
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
    AgentKey key = AgentKey.of(this, agentId);
    BucketState carried = carry(key, nowNanos);
    store.cache.asMap()
        .compute(
            key,
            (k, current) -> {
              if (current == null || !inspectTracked(current, cost, nowNanos, probe, offset)) {
                AgentBucket rebuilt = rebuild(k, nowNanos, false, carried);
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
   * ledger's record of it, under the key's map lock, so the next request starts as a new agent; and the
   * same under every version this one replaced, so that nothing of it is carried over again.
   */
  @Override
  public void forget(String agentId) {
    for (LocalPolicyState v = this; v != null; v = v.predecessor) {
      LocalPolicyState version = v;
      store.cache.asMap()
          .compute(
              AgentKey.of(version, agentId),
              (k, current) -> {
                if (current != null) {
                  synchronized (current) {
                    current.retired = true;
                  }
                }
                version.ledger.remove(k.hash64());
                return null;
              });
    }
  }

  /** This version and every version it replaced that may still hold buckets. */
  java.util.Set<LocalPolicyState> lineage() {
    java.util.Set<LocalPolicyState> all =
        java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    for (LocalPolicyState v = this; v != null; v = v.predecessor) {
      all.add(v);
    }
    return all;
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
  AgentBucket create(AgentKey key, long nowNanos, @Nullable BucketState carried) {
    return rebuild(key, nowNanos, true, carried);
  }

  private AgentBucket rebuild(AgentKey key, long nowNanos, boolean take, @Nullable BucketState carried) {
    AgentBucket bucket = new AgentBucket(configuration, nowNanos);
    long[] state = new long[bandwidths.length * StateData.STRIDE];
    long tag = key.hash64();
    if (take ? ledger.take(tag, state) : ledger.peek(tag, state)) {
      StateData.restore(bucket, state);
    } else if (carried != null) {
      bucket.copyStateFrom(carried);
    }
    return bucket;
  }

  /**
   * The agent's bucket under the versions this one replaced, converted to this version by its {@link
   * StateInheritance}, or {@code null} if none of them holds the agent (or the rule is {@link
   * StateInheritance#RESET}): what the newest predecessor holds of it ({@link #held}). Read without changing
   * anything (the predecessors' buckets stay for requests
   * still being decided under them), and outside any cache lock, so that no mapping function of the cache
   * touches another key.
   */
  @Nullable BucketState carry(AgentKey key, long nowNanos) {
    LocalPolicyState p = predecessor;
    if (p == null) {
      return null;
    }
    if (nowNanos - predecessorUntil > 0) {
      predecessor = null; // every live bucket of it has expired into our ledger by now
      return null;
    }
    BucketState theirs = p.held(key.rekey(p), nowNanos);
    return theirs == null ? null : convert(theirs, nowNanos);
  }

  /**
   * This version's bucket of the agent, as a copy: its live bucket, else its ledger record, else what it
   * would carry over from its own predecessors (so a bucket idle across several changes is converted by
   * each change in turn, as if it had been taken over at each); {@code null} if none holds the agent.
   */
  private @Nullable BucketState held(AgentKey key, long nowNanos) {
    AgentBucket live = store.cache.policy().getIfPresentQuietly(key);
    if (live != null) {
      synchronized (live) {
        if (!live.retired) {
          return live.copy();
        }
      }
    }
    long[] state = new long[bandwidths.length * StateData.STRIDE];
    if (ledger.peek(key.hash64(), state)) {
      AgentBucket recorded = new AgentBucket(configuration, nowNanos);
      StateData.restore(recorded, state);
      return recorded;
    }
    return carry(key, nowNanos);
  }

  /**
   * A bucket of another version of this policy as a bucket of this one, by {@link #inheritance}: Bucket4j's
   * own {@code replaceConfiguration}, limits matched by name, one new to the policy starting at its
   * initial tokens. Call with {@code other}'s monitor held if it is shared.
   */
  BucketState convert(BucketState other, long nowNanos) {
    BucketState copy = other.copy();
    copy.refillAllBandwidth(nowNanos);
    return copy.replaceConfiguration(configuration, strategy(inheritance), nowNanos);
  }

  private static TokensInheritanceStrategy strategy(StateInheritance rule) {
    return switch (rule) {
      case AS_IS -> TokensInheritanceStrategy.AS_IS;
      case PROPORTIONAL -> TokensInheritanceStrategy.PROPORTIONALLY;
      case RESET -> TokensInheritanceStrategy.RESET;
    };
  }

  /**
   * Makes {@code next} the successor of this version: from now on a bucket of this version that leaves the
   * cache goes, converted, to {@code next}'s ledger; and every record of this version's ledger is copied
   * there now.
   */
  void supersede(LocalPolicyState next, long nowNanos) {
    successor = next;
    if (next.inheritance == StateInheritance.RESET) {
      return;
    }
    ledger.forEach(
        (tag, priority, state) -> {
          AgentBucket recorded = new AgentBucket(configuration, nowNanos);
          StateData.restore(recorded, state);
          next.recordConverted(tag, recorded, nowNanos);
        });
  }

  /**
   * Cuts this version's line of predecessors after {@code keep} versions, and wherever a version's
   * predecessor can hold no live bucket any more: a policy changed over and over keeps a bounded line (and
   * its ledgers), and an agent idle across more than {@code keep} changes within the idle expiry starts
   * over.
   */
  void prune(long nowNanos, int keep) {
    LocalPolicyState v = this;
    for (int depth = 1; v != null; depth++) {
      LocalPolicyState p = v.predecessor;
      if (p == null) {
        return;
      }
      if (depth >= keep || nowNanos - v.predecessorUntil > 0) {
        v.predecessor = null;
        return;
      }
      v = p;
    }
  }

  /** Marks this version as left the configuration: its buckets are forgotten as they leave. */
  void drop() {
    dropped = true;
    for (LocalPolicyState v = predecessor; v != null; v = v.predecessor) {
      v.dropped = true;
    }
    predecessor = null;
  }

  /** Records a bucket of a predecessor, converted, in this version's ledger (or its own successor's). */
  private void recordConverted(long tag, BucketState bucket, long nowNanos) {
    LocalPolicyState next = successor;
    if (next != null) {
      next.recordConverted(tag, bucket, nowNanos);
      return;
    }
    if (dropped) {
      return;
    }
    AgentBucket converted = new AgentBucket(configuration, nowNanos);
    converted.copyStateFrom(convert(bucket, nowNanos));
    record(tag, converted, nowNanos);
  }

  /**
   * Records the exact state of an evicted bucket, with when every limit is full again as its priority.
   * Nothing is refilled: the bucket is recorded exactly as its last request left it. Call with the
   * bucket's monitor held, under the key's map lock (in the cache's eviction listener).
   */
  void recordInLedger(AgentKey key, AgentBucket bucket, long nowNanos) {
    if (dropped) {
      return;
    }
    LocalPolicyState next = successor;
    if (next != null) {
      if (next.inheritance != StateInheritance.RESET) {
        next.recordConverted(key.hash64(), bucket, nowNanos);
      }
      return;
    }
    record(key.hash64(), bucket, nowNanos);
  }

  private void record(long tag, AgentBucket bucket, long nowNanos) {
    long[] data = StateData.of(bucket, bandwidths.length);
    long fullAt = Long.MIN_VALUE;
    for (int i = 0; i < bandwidths.length; i++) {
      long untilFull = GreedyMath.nanosUntil(bucket, i, capacity[i], periodNanos[i], refillTokens[i]);
      // Refilling starts at the last refill (later than now if the clock went back).
      long from = StateData.lastRefill(data, i);
      long at = from + untilFull;
      fullAt = Math.max(fullAt, at < from ? Long.MAX_VALUE : at);
    }
    ledger.put(tag, fullAt, nowNanos, data);
  }
}
