package dev.agentlimiter.core.internal.engine;

import dev.agentlimiter.api.Budget;
import dev.agentlimiter.api.BurstDetection;
import dev.agentlimiter.api.ConcurrencyLimit;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.LoopDetection;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.PolicyState;
import dev.agentlimiter.api.Quarantine;
import dev.agentlimiter.api.RateLimitStatus;
import dev.agentlimiter.api.Reputation;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** A policy bound to its state, with what decisions need precomputed. Immutable. */
public final class BoundPolicy {

  public final Policy policy;
  public final PolicyState state;
  final int limitCount;

  /** The engine's number for this policy, the scope of its per-agent detector state. */
  public final int id;
  /** The engine's number for the policy's lane, the scope of the penalty box. */
  final int lane;
  /** The engine's number for the policy's budget (shared by linked policies), or -1. */
  final int budgetScope;

  final boolean defended;
  final boolean watched;
  final @Nullable ConcurrencyLimit concurrency;
  final long maxHoldNanos;
  public final @Nullable LoopDetection loop;
  public final @Nullable BurstDetection burst;
  public final long burstWindowNanos;
  public final long burstBaselineWindows;
  final @Nullable Quarantine quarantine;
  public final @Nullable Reputation reputation;
  public final long reputationWindowNanos;
  final @Nullable Budget budget;
  /** This policy alone, the bound policies of a one-policy request: shared, never written. */
  final BoundPolicy[] alone = {this};

  private final String[] limitNames;
  private final long[] quotas;
  private final Duration[] windows;

  BoundPolicy(Policy policy, PolicyState state) {
    this(policy, state, -1, -1, -1);
  }

  BoundPolicy(Policy policy, PolicyState state, int id, int lane, int budgetScope) {
    this.policy = policy;
    this.state = state;
    this.id = id;
    this.lane = lane;
    this.budgetScope = budgetScope;
    this.defended = policy.hasDefences();
    this.concurrency = policy.concurrency().orElse(null);
    this.maxHoldNanos = concurrency == null ? 0 : concurrency.maxHold().toNanos();
    this.loop = policy.loopDetection().orElse(null);
    this.burst = policy.burstDetection().orElse(null);
    this.burstWindowNanos = burst == null ? 1 : burst.window().toNanos();
    this.burstBaselineWindows = burst == null ? 1 : burst.baseline().toNanos() / burstWindowNanos;
    this.quarantine = policy.quarantine().orElse(null);
    this.reputation = policy.reputation().orElse(null);
    this.reputationWindowNanos = reputation == null ? 1 : reputation.window().toNanos();
    this.budget = policy.budget().orElse(null);
    this.watched = loop != null || burst != null || reputation != null;
    List<Limit> limits = policy.limits();
    this.limitCount = limits.size();
    this.limitNames = new String[limitCount];
    this.quotas = new long[limitCount];
    this.windows = new Duration[limitCount];
    for (int i = 0; i < limitCount; i++) {
      Limit limit = limits.get(i);
      limitNames[i] = java.util.Objects.requireNonNull(limit.name());
      quotas[i] = limit.capacity();
      windows[i] = limit.refillPeriod();
    }
  }

  /** The statuses of this policy's limits in a probe, as an immutable list (no copy in decisions). */
  List<RateLimitStatus> statuses(long[] probe, int offset) {
    if (limitCount == 1) {
      return List.of(status(probe, offset, 0));
    }
    if (limitCount == 2) {
      return List.of(status(probe, offset, 0), status(probe, offset, 1));
    }
    RateLimitStatus[] all = new RateLimitStatus[limitCount];
    for (int i = 0; i < limitCount; i++) {
      all[i] = status(probe, offset, i);
    }
    return List.of(all);
  }

  private RateLimitStatus status(long[] probe, int offset, int limit) {
    int at = offset + limit * PolicyState.PROBE_STRIDE;
    long resetNanos = probe[at + 1];
    return new RateLimitStatus(
        policy.name(),
        limitNames[limit],
        quotas[limit],
        windows[limit],
        probe[at],
        resetNanos == 0 ? Duration.ZERO : Duration.ofNanos(resetNanos));
  }

  /** The index of the limit with the longest wait in a probe. */
  int slowest(long[] probe, int offset) {
    int slowest = 0;
    for (int i = 1; i < limitCount; i++) {
      if (probe[offset + i * PolicyState.PROBE_STRIDE + 2]
          > probe[offset + slowest * PolicyState.PROBE_STRIDE + 2]) {
        slowest = i;
      }
    }
    return slowest;
  }

  long waitNanos(long[] probe, int offset, int limit) {
    return probe[offset + limit * PolicyState.PROBE_STRIDE + 2];
  }
}
