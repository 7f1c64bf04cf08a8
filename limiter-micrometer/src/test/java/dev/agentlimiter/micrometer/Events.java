package dev.agentlimiter.micrometer;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.DecisionEvent;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Reason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** Builds the events the limiter would send, for the tests. */
final class Events {

  static final Instant T0 = Instant.parse("2026-11-23T00:00:00Z");

  private Events() {}

  /**
   * A decision of {@code reason}: by {@code policy} for the limits' and defences' reasons (required
   * there), with {@code cause} for refusals before the policies.
   */
  static Decision decision(Reason reason, @Nullable String policy, String cause) {
    return switch (reason) {
      case ALLOWED -> Decision.allowed();
      case RATE_LIMITED, LOOP_DETECTED, CONCURRENCY_LIMITED ->
          Decision.denied(reason, policy == null ? "api" : policy, Duration.ofSeconds(1));
      case QUARANTINED ->
          Decision.quarantined(
              "default", policy == null ? "api" : policy, Reason.LOOP_DETECTED, Duration.ofSeconds(30));
      case UNAUTHENTICATED, FORBIDDEN, INVALID_REQUEST -> Decision.refused(reason, cause, "refused");
    };
  }

  /** The status the adapters answer {@code reason} with. */
  static int status(Reason reason) {
    return switch (reason) {
      case ALLOWED -> 200;
      case RATE_LIMITED, LOOP_DETECTED, CONCURRENCY_LIMITED, QUARANTINED -> 429;
      case UNAUTHENTICATED -> 401;
      case FORBIDDEN -> 403;
      case INVALID_REQUEST -> 400;
    };
  }

  /** An event with everything a servlet adapter would fill in. */
  static DecisionEvent.Builder event(String agentId, Reason reason, @Nullable String policy) {
    DecisionEvent.Builder b =
        DecisionEvent.builder()
            .time(T0)
            .agentId(agentId)
            .method("GET")
            .route("/orders/{id}")
            .decision(decision(reason, policy, "expired"))
            .status(status(reason))
            .requestId("req-" + agentId)
            .limiterTime(Duration.ofNanos(1_000));
    if (policy != null) {
      b.policies(List.of(policy)).lanes(List.of("default"));
    }
    return b;
  }

  /** A verified agent of {@code tier}. */
  static AgentIdentity agent(String id, String tier) {
    return new AgentIdentity(id, tier, Set.of(), IdentitySource.API_KEY);
  }

  /** The sum of every counter named {@code name}, whatever its tags. */
  static double sum(MeterRegistry registry, String name) {
    return registry.find(name).counters().stream().mapToDouble(Counter::count).sum();
  }
}
