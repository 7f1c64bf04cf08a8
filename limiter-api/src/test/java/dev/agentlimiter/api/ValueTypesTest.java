package dev.agentlimiter.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class ValueTypesTest {

  @Test
  void identitiesAreValidatedAndImmutable() {
    Set<String> scopes = new HashSet<>(Set.of("dns:read"));
    AgentIdentity a = new AgentIdentity("agent-7", "pro", scopes, IdentitySource.JWT);
    scopes.add("dns:write");
    assertThat(a.scopes()).containsExactly("dns:read");
    assertThatThrownBy(() -> AgentIdentity.of("", IdentitySource.IP))
        .hasMessage("agent id: length must be in [1, 256] but was 0");
    assertThatThrownBy(() -> AgentIdentity.of("x".repeat(257), IdentitySource.IP))
        .hasMessage("agent id: length must be in [1, 256] but was 257");
    assertThatThrownBy(() -> AgentIdentity.of("evil\r\nSet-Cookie: x", IdentitySource.IP))
        .hasMessage("agent id: control character at index 4");
    assertThatThrownBy(() -> a.withTier(" ")).hasMessage("agent tier: must not be blank");
  }

  @Test
  void decisionsRefuseContradictions() {
    RateLimitStatus s = new RateLimitStatus("p", "l", 5, Duration.ofSeconds(1), 0, Duration.ofSeconds(1));
    assertThatThrownBy(() -> Decision.denied(Reason.ALLOWED, List.of(), null, Duration.ZERO))
        .hasMessage("decision: a denial needs a reason other than ALLOWED");
    assertThatThrownBy(() -> Decision.denied(Reason.RATE_LIMITED, List.of(s), s, Duration.ZERO))
        .hasMessageStartingWith("decision: retryAfter must be > 0 exactly when RATE_LIMITED is retryable");
    assertThatThrownBy(() -> Decision.denied(Reason.FORBIDDEN, List.of(), null, Duration.ofSeconds(1)))
        .hasMessageStartingWith("decision: retryAfter must be > 0 exactly when FORBIDDEN");
    assertThatThrownBy(() -> Decision.denied(Reason.FORBIDDEN, List.of(), null, Duration.ofSeconds(-1)))
        .hasMessageStartingWith("decision: retryAfter must be > 0 exactly when FORBIDDEN");
    assertThatThrownBy(() -> new RateLimitStatus("p", "l", 5, Duration.ofSeconds(1), 6, Duration.ZERO))
        .hasMessage("rate limit status 'l': need 0 <= remaining (6) <= quota (5)");
    Decision allowed = Decision.allowed(List.of(s));
    assertThat(allowed.isAllowed()).isTrue();
    assertThat(allowed.retryAfterSeconds()).isZero();
    assertThat(Decision.allowed().remaining()).isEqualTo(Long.MAX_VALUE);
  }

  /** Retry-After is whole seconds, rounded up, at least 1: never early, never zero. */
  @Property
  void retryAfterSecondsNeverRoundsDown(@ForAll @LongRange(min = 1, max = Long.MAX_VALUE) long nanos) {
    Duration exact = Duration.ofNanos(nanos);
    Decision d = Decision.denied(Reason.RATE_LIMITED, List.of(), null, exact);
    long seconds = d.retryAfterSeconds();
    assertThat(seconds).isGreaterThanOrEqualTo(1);
    assertThat(Duration.ofSeconds(seconds)).isGreaterThanOrEqualTo(exact);
    assertThat(Duration.ofSeconds(seconds - 1)).as("rounded up by less than a second").isLessThan(exact);
  }
}
