package dev.agentlimiter.core.internal.state;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.PolicyState;
import dev.agentlimiter.api.StateInheritance;
import dev.agentlimiter.api.StateStore;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * Per-agent buckets in one bounded Caffeine cache shared by all policies: at most
 * {@code maximumAgents} (policy, agent) pairs, each dropped after {@code idleExpiry} without a request.
 * Cache maintenance runs on the calling thread, so a flood of new identities cannot outrun eviction.
 *
 * <p>Eviction is not a reset: each policy's {@link EvictionLedger} keeps the exact state of evicted buckets,
 * tagged with their key's hash, and a returning agent gets its own bucket back exactly as it left.
 */
public final class LocalStateStore implements StateStore {

  final EngineClock clock;
  public final Cache<AgentKey, AgentBucket> cache;
  /** Eviction ledger records per policy. */
  final int ledgerRecords;
  /**
   * The most versions of one policy whose buckets a new version may still take over: an agent idle
   * across more changes than this within the idle expiry starts over.
   */
  static final int MAXIMUM_LINE = 8;

  /** How long a bucket is kept without a request, in nanos: how long a replaced version may hold one. */
  private final long idleNanos;

  public LocalStateStore(EngineClock clock, long maximumAgents, Duration idleExpiry) {
    this.clock = clock;
    this.idleNanos = idleExpiry.toNanos();
    this.ledgerRecords = EvictionLedger.recordsFor(maximumAgents);
    this.cache =
        Caffeine.newBuilder()
            .maximumSize(maximumAgents)
            .expireAfterAccess(idleExpiry)
            .ticker(clock::cacheNow)
            .executor(Runnable::run)
            .evictionListener(this::onEviction)
            .build();
  }

  @Override
  public PolicyState bind(Policy policy) {
    return new LocalPolicyState(this, policy, ThreadLocalRandom.current().nextLong());
  }

  /**
   * A new version of {@code previous}'s policy name: each agent's bucket is taken over, by {@code rule}, on
   * its first request under the new version, from the previous version's live bucket or its ledger record
   * (records are copied over now, and buckets that leave the previous version's cache from now on go to
   * the new version's ledger). Requests still being decided under the previous version keep using it.
   */
  @Override
  public PolicyState rebind(PolicyState previous, Policy policy, StateInheritance rule) {
    if (!(previous instanceof LocalPolicyState old) || old.store != this) {
      return bind(policy);
    }
    long now = clock.now();
    // after the idle expiry, and a second for the cache's maintenance, every live bucket of the
    // previous version has expired into the new version's ledger
    long until = now + idleNanos + 1_000_000_000L;
    old.prune(now, MAXIMUM_LINE - 1);
    LocalPolicyState next = new LocalPolicyState(this, policy, old.salt, old, rule, until);
    old.supersede(next, now);
    return next;
  }

  /** Forgets every bucket of {@code state}, whose policy left the configuration, and its ledger. */
  @Override
  public void drop(PolicyState state) {
    if (!(state instanceof LocalPolicyState dropped) || dropped.store != this) {
      return;
    }
    java.util.Set<LocalPolicyState> lineage = dropped.lineage();
    dropped.drop();
    cache.asMap().keySet().removeIf(k -> lineage.contains(k.owner));
  }

  @Override
  public long trackedAgents() {
    return cache.estimatedSize();
  }

  /** Runs inside Caffeine's atomic removal of the entry, so no new bucket for the key can appear meanwhile. */
  private void onEviction(
      @Nullable AgentKey key, @Nullable AgentBucket bucket, RemovalCause cause) {
    if (key == null || bucket == null || !cause.wasEvicted()) {
      return;
    }
    synchronized (bucket) {
      bucket.retired = true;
      key.owner.recordInLedger(key, bucket, clock.now());
    }
  }
}
