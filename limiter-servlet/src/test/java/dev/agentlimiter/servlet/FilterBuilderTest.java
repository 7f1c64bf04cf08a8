package dev.agentlimiter.servlet;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.AgentLimiters;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The builder refuses what would only fail later, naming it. */
class FilterBuilderTest {

  private final AgentLimiter limiter = AgentLimiters.newBuilder().build();

  private static Route route(String name, long capacity) {
    return Route.of(Policy.named(name).limit(Limit.capacity(capacity).refill(1).per(Duration.ofSeconds(1))).build());
  }

  @Test
  void oneNameForTwoPoliciesIsRefusedAtBuild() {
    AgentLimiterFilter.Builder b = AgentLimiterFilter.builder(limiter).route("/a", route("orders", 5)).route("/b", route("orders", 50));
    assertThatThrownBy(b::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("policy 'orders' of /b differs from another policy of that name");
  }

  @Test
  void badPatternsAndRealmsAreRefusedAtOnce() {
    AgentLimiterFilter.Builder b = AgentLimiterFilter.builder(limiter);
    assertThatThrownBy(() -> b.route("api/*", route("p", 1)))
        .hasMessage("route pattern 'api/*' is not a servlet URL pattern (/exact, /prefix/*, *.ext or /)");
    assertThatThrownBy(() -> b.realm("a b")).hasMessageContaining("'a b'");
    assertThatThrownBy(() -> b.unavailableRetryAfter(Duration.ZERO)).hasMessage("unavailableRetryAfter must be > 0 but was PT0S");
  }
}
