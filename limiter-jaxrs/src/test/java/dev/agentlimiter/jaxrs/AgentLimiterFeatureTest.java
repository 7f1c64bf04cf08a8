package dev.agentlimiter.jaxrs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRateLimit;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.AgentLimiters;
import dev.agentlimiter.core.http.AdapterOptions;
import dev.agentlimiter.core.http.AdminEndpoint;
import dev.agentlimiter.core.identity.IdentityResolvers;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The builder's validation, and what the feature does where it cannot work (on Jersey). */
class AgentLimiterFeatureTest {

  private static final Route ROUTE =
      Route.of(Policy.named("p").limit(Limit.capacity(1).refill(1).per(Duration.ofSeconds(1))).build());

  private static AgentLimiterFeature.Builder builder() {
    return AgentLimiterFeature.builder(AgentLimiters.newBuilder().build());
  }

  @Test
  void theBuilderRefusesBadValuesNamingThem() {
    assertThatThrownBy(() -> builder().realm("my realm"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'my realm'");
    assertThatThrownBy(() -> builder().unavailableRetryAfter(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unavailableRetryAfter must be > 0 but was PT0S");
    assertThatThrownBy(() -> builder().route("/api/*/x", ROUTE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'/api/*/x'");
    assertThatThrownBy(() -> builder().route("/a", ROUTE).route("/a", ROUTE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("route /a is mapped twice");
    assertThatThrownBy(() -> builder().route("GET", "/a", ROUTE).shadowRoute("get", "/a", ROUTE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("route GET /a is mapped twice");
  }

  /** A resource with an annotation that cannot be a limit. */
  @Path("/bad")
  public static final class Bad {
    @GET
    @AgentRateLimit(name = "burst", capacity = 0, refill = 1, period = "PT1S")
    public String get() {
      return "never";
    }
  }

  @Test
  void anInvalidAnnotationFailsTheDeploymentNamingTheMethodAndTheLimit() {
    assertThatThrownBy(() -> JerseyServer.start(List.of(builder().build(), new Bad())).stop())
        .hasStackTraceContaining("resource method " + Bad.class.getName() + ".get")
        .hasStackTraceContaining("burst");
  }

  /** Two resource classes of one simple name, limited differently: their policies would share the name. */
  static final class First {
    @Path("/first")
    public static final class Orders {
      @GET
      @AgentRateLimit(name = "burst", capacity = 5, refill = 1, period = "PT1S")
      public String get() {
        return "first";
      }
    }
  }

  static final class Second {
    @Path("/second")
    public static final class Orders {
      @GET
      @AgentRateLimit(name = "burst", capacity = 50, refill = 1, period = "PT1S")
      public String get() {
        return "second";
      }
    }
  }

  /**
   * One policy name for two different policies fails the deployment, naming both, instead of failing the
   * second resource's every request later (the engine refuses a name reused with another configuration).
   */
  @Test
  void twoResourcesWhosePoliciesShareANameFailTheDeployment() {
    assertThatThrownBy(() -> JerseyServer.start(List.of(builder().build(), new First.Orders(), new Second.Orders())).stop())
        .hasStackTraceContaining("policy 'Orders.get'")
        .hasStackTraceContaining("one name must mean one policy");
  }

  @Test
  void onAClientTheFeatureDoesNothing() {
    AgentLimiterFeature feature = builder().build();
    Client client = ClientBuilder.newClient().register(feature);
    try {
      assertThat(client.getConfiguration().isEnabled(feature)).isFalse();
    } finally {
      client.close();
    }
  }

  @Test
  void aBuilderGivenBuiltOptionsRefusesEveryOption() {
    AgentLimiter limiter = AgentLimiters.newBuilder().build();
    AdapterOptions options = AdapterOptions.builder(limiter).route("/a", ROUTE).build();
    AdminEndpoint admin = AdminEndpoint.builder(limiter).identity(IdentityResolvers.principal()).build();
    List<Consumer<AgentLimiterFeature.Builder>> shared =
        List.of(
            b -> b.route("/b", ROUTE), b -> b.route("GET", "/b", ROUTE), b -> b.shadowRoute(null, "/b", ROUTE),
            b -> b.caseInsensitiveRoutes(true), b -> b.anonymousAnnotatedRoutes(true), b -> b.shadow(true),
            b -> b.failOpen(true), b -> b.realm("other"), b -> b.unavailableRetryAfter(Duration.ofSeconds(1)),
            b -> b.adminEndpoint(admin));
    List<String> names =
        List.of(
            "route", "route", "shadowRoute", "caseInsensitiveRoutes", "anonymousAnnotatedRoutes", "shadow",
            "failOpen", "realm", "unavailableRetryAfter", "adminEndpoint");
    for (int i = 0; i < shared.size(); i++) {
      AgentLimiterFeature.Builder b = AgentLimiterFeature.builder(options);
      Consumer<AgentLimiterFeature.Builder> set = shared.get(i);
      assertThatThrownBy(() -> set.accept(b))
          .as(names.get(i))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage(
              "'" + names.get(i) + "' is an AdapterOptions option, and this builder was given built AdapterOptions;"
                  + " set it on their builder (AdapterOptions.builder(limiter)) instead");
    }
    assertThat(AgentLimiterFeature.builder(options).build()).isNotNull();
  }

  @Test
  @SuppressWarnings("NullAway") // null on purpose
  void nullOptionsAreRefused() {
    assertThatThrownBy(() -> AgentLimiterFeature.builder((AdapterOptions) null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("options");
  }
}
