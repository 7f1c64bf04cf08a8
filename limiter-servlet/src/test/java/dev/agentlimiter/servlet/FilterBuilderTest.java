package dev.agentlimiter.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.AgentLimiters;
import dev.agentlimiter.core.http.AdapterOptions;
import dev.agentlimiter.core.http.AdminEndpoint;
import dev.agentlimiter.core.identity.IdentityResolvers;
import java.util.List;
import java.util.function.Consumer;
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

  @Test
  void aBuilderGivenBuiltOptionsRefusesTheSharedOnesAndKeepsItsOwn() {
    AdapterOptions options = AdapterOptions.builder(limiter).route("/a", route("p", 1)).build();
    AdminEndpoint admin = AdminEndpoint.builder(limiter).identity(IdentityResolvers.principal()).build();
    Route r = route("q", 1);
    List<Consumer<AgentLimiterFilter.Builder>> shared =
        List.of(
            b -> b.route("/b", r), b -> b.route("GET", "/b", r), b -> b.shadowRoute(null, "/b", r),
            b -> b.caseInsensitiveRoutes(true), b -> b.anonymousAnnotatedRoutes(true), b -> b.shadow(true),
            b -> b.failOpen(true), b -> b.realm("other"), b -> b.unavailableRetryAfter(Duration.ofSeconds(1)),
            b -> b.adminEndpoint(admin));
    List<String> names =
        List.of(
            "route", "route", "shadowRoute", "caseInsensitiveRoutes", "anonymousAnnotatedRoutes", "shadow",
            "failOpen", "realm", "unavailableRetryAfter", "adminEndpoint");
    for (int i = 0; i < shared.size(); i++) {
      AgentLimiterFilter.Builder b = AgentLimiterFilter.builder(options);
      Consumer<AgentLimiterFilter.Builder> set = shared.get(i);
      assertThatThrownBy(() -> set.accept(b))
          .as(names.get(i))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage(
              "'" + names.get(i) + "' is an AdapterOptions option, and this builder was given built AdapterOptions;"
                  + " set it on their builder (AdapterOptions.builder(limiter)) instead");
    }
    // the filter's own option is still its own
    assertThat(AgentLimiterFilter.builder(options).discoverAnnotations(false).build()).isNotNull();
  }

  @Test
  @SuppressWarnings("NullAway") // null on purpose
  void nullOptionsAreRefused() {
    assertThatThrownBy(() -> AgentLimiterFilter.builder((AdapterOptions) null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("options");
  }
}
