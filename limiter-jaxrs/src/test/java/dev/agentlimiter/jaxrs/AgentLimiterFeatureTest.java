package dev.agentlimiter.jaxrs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentlimiter.api.AgentRateLimit;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.AgentLimiters;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import java.time.Duration;
import java.util.List;
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
}
