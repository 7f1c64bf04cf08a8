package dev.agentlimiter.api;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One of the agents refused most often over the recent window, as {@link LimiterAdmin#topOffenders} lists
 * them. The counts come from a fixed-size sketch (Space-Saving): they may overestimate an agent's true
 * count by at most {@link #overestimate()}, and never underestimate it. Immutable.
 *
 * @param agentId the agent, or {@code ip:} and a client address for refusals before identification
 * @param source how the agent was identified ({@link IdentitySource#IP} for a client address)
 * @param refusals refusals counted in the window (shadow "would refuse" included)
 * @param requests requests counted in the window
 * @param overestimate the most by which {@code refusals} may exceed the true count
 * @param lastReason the reason of its last refusal
 * @param lastSeen when its last request was decided
 * @param state its state now, when the limiter could read it
 */
@Beta
public record Offender(
    String agentId,
    IdentitySource source,
    long refusals,
    long requests,
    long overestimate,
    Reason lastReason,
    Instant lastSeen,
    @Nullable AgentState state) {

  /** Validates. */
  public Offender {
    Objects.requireNonNull(agentId, "agentId");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(lastReason, "lastReason");
    Objects.requireNonNull(lastSeen, "lastSeen");
    if (refusals < 0 || requests < 0 || overestimate < 0) {
      throw new IllegalArgumentException(
          "offender: counts must not be negative but were " + refusals + ", " + requests + ", " + overestimate);
    }
  }

  /** Its state now, if the limiter could read it. */
  public Optional<AgentState> currentState() {
    return Optional.ofNullable(state);
  }
}
