package dev.agentlimiter.core;

import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.LimiterListener;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.TimeSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Builds {@link AgentLimiter}s. The only entry point of the core module:
 *
 * <pre>{@code
 * AgentLimiter limiter = AgentLimiters.newBuilder()
 *     .maximumTrackedAgents(100_000)
 *     .idleExpiry(Duration.ofMinutes(15))
 *     .build();
 * }</pre>
 */
public final class AgentLimiters {

  /** Default bound on tracked (policy, agent) pairs. */
  public static final long DEFAULT_MAXIMUM_TRACKED_AGENTS = 100_000;

  /** Default time after which an idle agent's state is dropped (and remembered in the ledger). */
  public static final Duration DEFAULT_IDLE_EXPIRY = Duration.ofMinutes(15);

  private AgentLimiters() {}

  /** A builder with the defaults: system clock, 100,000 tracked agents, 15 minutes idle expiry. */
  public static Builder newBuilder() {
    return new Builder();
  }

  /**
   * Configures an {@link AgentLimiter}. Not thread-safe; each option may be set once. The built limiter is
   * independent of the builder and of every other limiter (no global state).
   */
  public static final class Builder {
    private @Nullable TimeSource timeSource;
    private long maximumTrackedAgents = -1;
    private @Nullable Duration idleExpiry;
    private @Nullable LimiterListener listener;
    private @Nullable Clock wallClock;
    private final List<Policy> policies = new ArrayList<>();

    private Builder() {}

    /**
     * Sets the clock (default {@link TimeSource#system()}). Tests pass a fake clock; a Bucket4j
     * {@code TimeMeter} fits as {@code meter::currentTimeNanos}.
     *
     * @throws IllegalStateException if already set
     */
    public Builder timeSource(TimeSource source) {
      if (timeSource != null) {
        throw new IllegalStateException("timeSource was already set");
      }
      timeSource = Objects.requireNonNull(source, "timeSource");
      return this;
    }

    /**
     * Sets the bound on (policy, agent) pairs held in memory, applied separately to the buckets and to each
     * detector's state (default
     * {@value #DEFAULT_MAXIMUM_TRACKED_AGENTS}). Beyond it the least valuable entries are evicted, which
     * <b>never refills an agent's bucket</b>: see {@code docs/state-and-eviction.md}.
     *
     * @throws IllegalArgumentException if {@code maximum <= 0}
     * @throws IllegalStateException if already set
     */
    public Builder maximumTrackedAgents(long maximum) {
      if (maximumTrackedAgents != -1) {
        throw new IllegalStateException(
            "maximumTrackedAgents was already set to " + maximumTrackedAgents);
      }
      if (maximum <= 0) {
        throw new IllegalArgumentException("maximumTrackedAgents must be > 0 but was " + maximum);
      }
      maximumTrackedAgents = maximum;
      return this;
    }

    /**
     * Sets how long an agent's state is kept after its last request (default 15 minutes).
     *
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder idleExpiry(Duration expiry) {
      if (idleExpiry != null) {
        throw new IllegalStateException("idleExpiry was already set to " + idleExpiry);
      }
      Objects.requireNonNull(expiry, "idleExpiry");
      if (expiry.isNegative() || expiry.isZero()) {
        throw new IllegalArgumentException("idleExpiry must be > 0 but was " + expiry);
      }
      idleExpiry = expiry;
      return this;
    }

    /**
     * Sets the listener that receives every decision (default {@link LimiterListener#noop()}).
     *
     * @throws IllegalStateException if already set
     */
    public Builder listener(LimiterListener eventListener) {
      if (listener != null) {
        throw new IllegalStateException("listener was already set");
      }
      listener = Objects.requireNonNull(eventListener, "listener");
      return this;
    }

    /**
     * Sets the wall clock that places {@linkplain dev.agentlimiter.api.Budget budget} periods on the UTC
     * calendar (default {@link Clock#systemUTC()}). It is read once, when the limiter is built; after that,
     * calendar time advances with the {@link #timeSource}, so the two never disagree and a wall-clock step
     * (NTP) cannot reset a budget.
     *
     * @throws IllegalStateException if already set
     */
    public Builder wallClock(Clock clock) {
      if (wallClock != null) {
        throw new IllegalStateException("wallClock was already set");
      }
      wallClock = Objects.requireNonNull(clock, "wallClock");
      return this;
    }

    /**
     * Registers a policy up front, so the first request pays nothing to bind it. Optional: policies in
     * requests are bound on first use.
     */
    public Builder policy(Policy policy) {
      policies.add(Objects.requireNonNull(policy, "policy"));
      return this;
    }

    /**
     * Builds the limiter.
     *
     * @throws IllegalArgumentException if two registered policies share a name but differ
     */
    public AgentLimiter build() {
      EngineClock clock = new EngineClock(timeSource != null ? timeSource : TimeSource.system());
      Instant wall = (wallClock != null ? wallClock : Clock.systemUTC()).instant();
      long maximum =
          maximumTrackedAgents == -1 ? DEFAULT_MAXIMUM_TRACKED_AGENTS : maximumTrackedAgents;
      Duration idle = idleExpiry != null ? idleExpiry : DEFAULT_IDLE_EXPIRY;
      LocalStateStore store = new LocalStateStore(clock, maximum, idle);
      return new Engine(
          clock,
          store,
          listener != null ? listener : LimiterListener.noop(),
          List.copyOf(policies),
          maximum,
          idle,
          Math.addExact(Math.multiplyExact(wall.getEpochSecond(), 1_000_000_000L), wall.getNano()));
    }
  }
}
