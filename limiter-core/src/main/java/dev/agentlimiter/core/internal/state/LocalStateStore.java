package dev.agentlimiter.core.internal.state;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.PolicyState;
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

  public LocalStateStore(EngineClock clock, long maximumAgents, Duration idleExpiry) {
    this.clock = clock;
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
