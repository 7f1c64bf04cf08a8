package dev.agentlimiter.core.audit;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.ConfigurationEvent;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.DecisionEvent;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.RateLimitStatus;
import dev.agentlimiter.api.Reason;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Decision events as the engine tells them, for the audit log's tests. */
final class Events {

  static final Instant T0 = Instant.parse("2026-11-23T10:15:30.250Z");
  static final AgentIdentity AGENT =
      new AgentIdentity("agent-7", "free", java.util.Set.of("orders:read"), IdentitySource.API_KEY);

  /** A policy file's error, as the parser words it. */
  static final String CONFIG_ERROR =
      "/etc/agentlimiter/policy.yaml:7:14: /policies/search/limits/0/capacity: must be > 0 but was 0";

  private Events() {}

  /** The policy file's version applied as generation 3. */
  static ConfigurationEvent configApplied() {
    return new ConfigurationEvent(T0, true, 3, "/etc/agentlimiter/policy.yaml", Optional.empty());
  }

  /** A version of the policy file refused: generation 3 keeps running. */
  static ConfigurationEvent configRefused() {
    return new ConfigurationEvent(T0, false, 3, "/etc/agentlimiter/policy.yaml", Optional.of(CONFIG_ERROR));
  }

  static RateLimitStatus burst(long remaining) {
    return new RateLimitStatus("api", "burst", 20, Duration.ofSeconds(1), remaining, Duration.ofMillis(950));
  }

  static RateLimitStatus hourly(long remaining) {
    return new RateLimitStatus("api", "hourly", 600, Duration.ofHours(1), remaining, Duration.ofMinutes(6));
  }

  /** An HTTP request's event, admitted by policy {@code api} with 12 of 20 burst tokens left. */
  static DecisionEvent.Builder admission() {
    return http(AGENT.id())
        .agent(AGENT)
        .decision(Decision.allowed(List.of(burst(12), hourly(588))))
        .status(200);
  }

  /** The same request refused by the burst limit, 450 ms before it refills enough. */
  static DecisionEvent.Builder refusal(String agentId) {
    RateLimitStatus burst = burst(0);
    return http(agentId)
        .decision(Decision.denied(Reason.RATE_LIMITED, List.of(burst, hourly(587)), burst, Duration.ofMillis(450)))
        .status(429);
  }

  /** A refused request of an identified agent. */
  static DecisionEvent.Builder refusal() {
    return refusal(AGENT.id()).agent(AGENT);
  }

  /** A request whose credential failed: no identity, named by its client address. */
  static DecisionEvent.Builder unauthenticated() {
    return http("ip:192.0.2.7")
        .decision(Decision.refused(Reason.UNAUTHENTICATED, "expired", "a valid credential is required"))
        .status(401);
  }

  static DecisionEvent.Builder http(String agentId) {
    return DecisionEvent.builder()
        .time(T0)
        .method("GET")
        .route("/v1/orders/*")
        .path("/v1/orders/42")
        .clientAddress("192.0.2.7")
        .agentId(agentId)
        .lanes(List.of("api"))
        .policies(List.of("api"))
        .requestId("4bf92f3577b34da6a3ce929d0e0e4736")
        .limiterTime(Duration.ofNanos(18_250));
  }
}
