package dev.agentlimiter.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Method;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/** {@link Route#fromAnnotations}: the endpoint's annotations win, repeated limits make one policy. */
class RouteAnnotationsTest {

  @AgentRateLimit(name = "type", capacity = 100, refill = 100, period = "PT1M")
  @RequireScope("orders:read")
  static class Orders {
    public void list() {}

    @AgentRateLimit(name = "burst", capacity = 5, refill = 5, period = "PT1S")
    @AgentRateLimit(name = "hourly", capacity = 60, refill = 60, period = "PT1H")
    @RequireScope({"orders:write", "billing"})
    public void create() {}
  }

  static class Plain {
    public void get() {}

    @AgentRateLimit(name = "broken", capacity = 0, refill = 1, period = "PT1S")
    public void broken() {}
  }

  private static Method method(Class<?> type, String name) throws NoSuchMethodException {
    return Objects.requireNonNull(type.getDeclaredMethod(name));
  }

  @Test
  void theEndpointWinsOverItsType() throws Exception {
    Route create = Objects.requireNonNull(Route.fromAnnotations(method(Orders.class, "create"), "Orders.post", Orders.class, "Orders", true));
    assertThat(create.policies()).hasSize(1);
    assertThat(create.policies().get(0).name()).isEqualTo("Orders.post");
    assertThat(create.policies().get(0).limits()).extracting(Limit::name).containsExactly("burst", "hourly");
    assertThat(create.requiredScopes()).containsExactly("orders:write", "billing");
    assertThat(create.allowsAnonymous()).isFalse(); // a scope always needs an identity

    Route list = Objects.requireNonNull(Route.fromAnnotations(method(Orders.class, "list"), "Orders.get", Orders.class, "Orders", true));
    assertThat(list.policies().get(0).name()).isEqualTo("Orders");
    assertThat(list.policies().get(0).limits()).extracting(Limit::name).containsExactly("type");
    assertThat(list.requiredScopes()).containsExactly("orders:read");
  }

  @Test
  void noAnnotationMeansNoRouteAndBadOnesFailNamingTheLimit() throws Exception {
    assertThat(Route.fromAnnotations(method(Plain.class, "get"), "Plain.get", Plain.class, "Plain", false)).isNull();
    assertThatThrownBy(() -> Route.fromAnnotations(method(Plain.class, "broken"), "Plain$Inner.get", Plain.class, "Plain", false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'broken'")
        .hasMessageContaining("Plain_Inner.get");
  }

  @Test
  void anonymousOnlyWithoutScopes() throws Exception {
    @AgentRateLimit(name = "open", capacity = 1, refill = 1, period = "PT1S")
    class Open {}
    Route open = Objects.requireNonNull(Route.fromAnnotations(Open.class, "Open", Open.class, "Open", true));
    assertThat(open.allowsAnonymous()).isTrue();
    assertThat(Objects.requireNonNull(Route.fromAnnotations(Open.class, "Open", Open.class, "Open", false)).allowsAnonymous()).isFalse();
  }
}
