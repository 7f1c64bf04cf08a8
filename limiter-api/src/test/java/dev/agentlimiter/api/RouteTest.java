package dev.agentlimiter.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Objects;
import org.junit.jupiter.api.Test;

class RouteTest {

  private static Policy policy(String name) {
    return Policy.named(name).limit(Limit.capacity(10).refill(10).per(Duration.ofSeconds(1))).build();
  }

  @Test
  void aRouteRequiresAnIdentityAndHasNoRulesByDefault() {
    Route r = Route.builder().build();
    assertThat(r.policies()).isEmpty();
    assertThat(r.requiredScopes()).isEmpty();
    assertThat(r.allowsAnonymous()).isFalse();
    assertThat(r.rules()).isSameAs(RequestRules.none());
    assertThat(r).hasToString("Route[policies=[]]");
    assertThat(Route.ANONYMOUS_TIER).isEqualTo("anonymous");
  }

  @Test
  void ofListsThePoliciesInOrderAndNothingElse() {
    Policy search = policy("search");
    Policy write = policy("write");
    Route r = Route.of(search, write);
    assertThat(r.policies()).containsExactly(search, write);
    assertThat(r.requiredScopes()).isEmpty();
    assertThat(r.allowsAnonymous()).isFalse();
    assertThat(r.rules()).isEqualTo(RequestRules.none());
    assertThat(r).isEqualTo(Route.builder().policy(search).policy(write).build());
    assertThat(r).isNotEqualTo(Route.of(write, search));
    assertThat(r).hasToString("Route[policies=[search, write]]");
    assertThat(Route.of()).isEqualTo(Route.builder().build());
  }

  @Test
  void aPolicyListedTwiceIsRefused() {
    Policy search = policy("search");
    Route.Builder b = Route.builder().policy(search);
    assertThatThrownBy(() -> b.policy(search))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("route: policy 'search' is listed twice");
    assertThatThrownBy(() -> b.policy(policy("search")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("route: policy 'search' is listed twice");
    assertThatThrownBy(() -> Route.of(search, policy("other"), search))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("route: policy 'search' is listed twice");
    assertThat(b.build().policies()).containsExactly(search);
  }

  @Test
  void scopesKeepDeclarationOrder() {
    String longest = "s".repeat(128);
    Route r =
        Route.builder()
            .requireScope("dns:write")
            .requireScope("dns:read")
            .requireScope("!#$%&'()*+,-./:;<=>?@[]^_`{|}~")
            .requireScope(longest)
            .build();
    assertThat(r.requiredScopes())
        .containsExactly("dns:write", "dns:read", "!#$%&'()*+,-./:;<=>?@[]^_`{|}~", longest);
    assertThat(r.allowsAnonymous()).isFalse();
  }

  @Test
  void scopesMustBeScopeTokens() {
    assertThatThrownBy(() -> Route.builder().requireScope(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("scope: must have 1 to 128 characters but was ''");
    String tooLong = "s".repeat(129);
    assertThatThrownBy(() -> Route.builder().requireScope(tooLong))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("scope: must have 1 to 128 characters but was '" + tooLong + "'");
    String printable = "scope: must be printable ASCII without spaces, quotes or backslashes but was '";
    assertThatThrownBy(() -> Route.builder().requireScope("dns write"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(printable + "dns write'");
    assertThatThrownBy(() -> Route.builder().requireScope("dns\"write"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(printable + "dns\"write'");
    assertThatThrownBy(() -> Route.builder().requireScope("dns\\write"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(printable + "dns\\write'");
    assertThatThrownBy(() -> Route.builder().requireScope("dns:\u00e9crire"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(printable + "dns:\u00e9crire'");
    assertThatThrownBy(() -> Route.builder().requireScope("dns\twrite"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(printable + "dns\twrite'");
    assertThatThrownBy(() -> Route.builder().requireScope("dns\u007f"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(printable + "dns\u007f'");
  }

  @Test
  void aScopeRequiredTwiceIsRefused() {
    Route.Builder b = Route.builder().requireScope("dns:read");
    assertThatThrownBy(() -> b.requireScope("dns:read"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("route: scope 'dns:read' is listed twice");
    assertThat(b.build().requiredScopes()).containsExactly("dns:read");
  }

  @Test
  void rulesCanBeSetOnlyOnce() {
    RequestRules json = RequestRules.builder().json().build();
    Route.Builder b = Route.builder().rules(json);
    assertThatThrownBy(() -> b.rules(RequestRules.none()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "route: rules were already set to "
                + "RequestRules[headers=[], contentTypes=[], maxBodyBytes=1048576, json=true]");
    assertThat(b.build().rules()).isSameAs(json);

    Route.Builder none = Route.builder().rules(RequestRules.none());
    assertThatThrownBy(() -> none.rules(RequestRules.none()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "route: rules were already set to "
                + "RequestRules[headers=[], contentTypes=[], maxBodyBytes=unlimited, json=false]");
  }

  @Test
  void equalityCoversEveryPart() {
    Policy search = policy("search");
    RequestRules rules = RequestRules.builder().requireHeader("X-Id").build();
    Route a =
        Route.builder()
            .policy(search)
            .requireScope("dns:read")
            .allowAnonymous()
            .rules(rules)
            .build();
    Route same =
        Route.builder()
            .policy(search)
            .requireScope("dns:read")
            .allowAnonymous()
            .rules(RequestRules.builder().requireHeader("x-id").build())
            .build();
    assertThat(same).isEqualTo(a).hasSameHashCodeAs(a);
    assertThat(a.allowsAnonymous()).isTrue();
    assertThat(a)
        .hasToString(
            "Route[policies=[search], scopes=[dns:read], anonymous, "
                + "RequestRules[headers=[x-id], contentTypes=[], maxBodyBytes=unlimited, json=false]]");
    assertThat(a)
        .isNotEqualTo(Route.builder().requireScope("dns:read").allowAnonymous().rules(rules).build())
        .isNotEqualTo(Route.builder().policy(search).allowAnonymous().rules(rules).build())
        .isNotEqualTo(Route.builder().policy(search).requireScope("dns:read").rules(rules).build())
        .isNotEqualTo(Route.builder().policy(search).requireScope("dns:read").allowAnonymous().build())
        .isNotEqualTo(Route.builder().policy(search).requireScope("dns:write").allowAnonymous().rules(rules).build());
  }

  @Test
  void returnedCollectionsAreImmutableAndIndependentOfTheBuilder() {
    Policy search = policy("search");
    Route.Builder b = Route.builder().policy(search).requireScope("dns:read");
    Route first = b.build();
    b.policy(policy("write")).requireScope("dns:write");
    Route second = b.build();
    assertThat(first.policies()).containsExactly(search);
    assertThat(first.requiredScopes()).containsExactly("dns:read");
    assertThat(second.policies()).hasSize(2);
    assertThat(second.requiredScopes()).containsExactly("dns:read", "dns:write");
    assertThatThrownBy(() -> first.policies().add(policy("x")))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> first.policies().clear())
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> first.requiredScopes().add("x"))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> first.requiredScopes().remove("dns:read"))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> Route.builder().build().requiredScopes().add("x"))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @RequireScope({"dns:read", "dns:write"})
  static final class Annotated {
    @RequireScope("dns:admin")
    void admin() {}
  }

  @Test
  void requireScopeIsRuntimeRetainedOnTypesAndMethods() throws NoSuchMethodException {
    Retention retention = RequireScope.class.getAnnotation(Retention.class);
    assertThat(Objects.requireNonNull(retention).value()).isEqualTo(RetentionPolicy.RUNTIME);
    Target target = RequireScope.class.getAnnotation(Target.class);
    assertThat(Objects.requireNonNull(target).value())
        .containsExactlyInAnyOrder(ElementType.TYPE, ElementType.METHOD);

    RequireScope onType = Annotated.class.getAnnotation(RequireScope.class);
    assertThat(Objects.requireNonNull(onType).value()).containsExactly("dns:read", "dns:write");
    Method admin = Annotated.class.getDeclaredMethod("admin");
    RequireScope onMethod = admin.getAnnotation(RequireScope.class);
    assertThat(Objects.requireNonNull(onMethod).value()).containsExactly("dns:admin");
  }
}
