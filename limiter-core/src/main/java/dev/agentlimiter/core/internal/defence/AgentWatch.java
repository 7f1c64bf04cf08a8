package dev.agentlimiter.core.internal.defence;

import dev.agentlimiter.api.BurstDetection;
import dev.agentlimiter.api.Reputation;
import dev.agentlimiter.core.internal.engine.BoundPolicy;
import org.jspecify.annotations.Nullable;

/**
 * One agent's detector state under one policy: its loop table, its burst counters and its reputation.
 * Guarded by its own monitor; callers synchronize on it.
 */
public final class AgentWatch {

  public final @Nullable LoopTable loops;

  // burst: the current short window, its count, the baseline in milli-requests per window
  private long burstWindow;
  private long burstCount;
  private long baselineMilli;
  private boolean spiking;

  // reputation: factor in percent, the current window and its counts
  private int percent;
  private long repWindow;
  private long samples;
  private long errors;
  private int reportedPercent;

  AgentWatch(BoundPolicy b, long now) {
    this.loops = b.loop == null ? null : new LoopTable(b.loop);
    if (b.burst != null) {
      burstWindow = Math.floorDiv(now, b.burstWindowNanos);
    }
    Reputation rep = b.reputation;
    if (rep != null) {
      percent = rep.ceilingPercent();
      reportedPercent = percent;
      repWindow = Math.floorDiv(now, b.reputationWindowNanos);
    }
  }

  /**
   * Counts a request in the short window.
   *
   * @return {@link #NO_SPIKE}; or, if the count is over the threshold, the threshold (requests), negated if
   *     this request starts a new spike (the event is due)
   */
  public long burst(BoundPolicy b, long now) {
    BurstDetection rule = b.burst;
    if (rule == null) {
      return NO_SPIKE;
    }
    long window = Math.floorDiv(now, b.burstWindowNanos);
    if (window > burstWindow) {
      long n = b.burstBaselineWindows;
      long threshold = thresholdMilli(rule);
      if (burstCount * 1000 <= threshold || window - burstWindow > 1) {
        spiking = false;
      }
      baselineMilli += (burstCount * 1000 - baselineMilli) / n;
      long idle = window - burstWindow - 1;
      if (idle >= n) {
        baselineMilli = 0; // idle for a whole horizon: starts over (and the loop stays short)
      } else {
        for (long i = 0; i < idle && baselineMilli >= n; i++) {
          baselineMilli -= baselineMilli / n; // the same average, with a count of 0
        }
      }
      burstWindow = window;
      burstCount = 0;
    }
    burstCount++;
    long threshold = thresholdMilli(rule);
    if (burstCount * 1000 <= threshold) {
      return NO_SPIKE;
    }
    long requests = (threshold + 999) / 1000;
    if (!spiking) {
      spiking = true;
      return -requests;
    }
    return requests;
  }

  public static final long NO_SPIKE = 0;

  private long thresholdMilli(BurstDetection rule) {
    return rule.factor() * Math.max(baselineMilli, rule.minimumRate() * 1000);
  }

  public long burstCount() {
    return burstCount;
  }

  /** Nanos until the current short window ends. */
  public long burstWindowLeft(BoundPolicy b, long now) {
    return (burstWindow + 1) * b.burstWindowNanos - now;
  }

  /** The reputation factor now, in percent, after closing elapsed windows. */
  public int reputation(BoundPolicy b, long now) {
    Reputation rule = b.reputation;
    if (rule == null) {
      return 100;
    }
    long window = Math.floorDiv(now, b.reputationWindowNanos);
    if (window > repWindow) {
      boolean bad =
          samples >= rule.minimumSamples() && errors * 100 > rule.errorPercent() * samples;
      if (bad) {
        percent = Math.max(rule.floorPercent(), percent * rule.decreasePercent() / 100);
      } else {
        percent = Math.min(rule.ceilingPercent(), percent + rule.increasePercent());
      }
      long idle = Math.min(window - repWindow - 1, 100);
      percent = (int) Math.min(rule.ceilingPercent(), percent + idle * rule.increasePercent());
      repWindow = window;
      samples = 0;
      errors = 0;
    }
    return percent;
  }

  /** The factor last reported, if it changed since; -1 otherwise. Marks the change reported. */
  public int takeReputationChange() {
    if (percent == reportedPercent) {
      return -1;
    }
    int before = reportedPercent;
    reportedPercent = percent;
    return before;
  }

  /** Counts an outcome in the current reputation window. */
  public void outcome(BoundPolicy b, boolean failed, long now) {
    if (b.reputation == null) {
      return;
    }
    reputation(b, now);
    samples++;
    if (failed) {
      errors++;
    }
  }
}
