package dev.agentlimiter.core.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.AgentLimiters;
import dev.agentlimiter.core.identity.IdentityResolvers;
import dev.agentlimiter.core.identity.InMemoryApiKeyStore;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link AdapterOptions} and its builder on their own: the defaults, each bad value refused where it is set
 * with a message naming it, what may be set once, the checks of {@code build()}, and a built value that no
 * later change of its builder reaches.
 */
class AdapterOptionsTest {

  private static final String ADMIN_KEY = "adm_options_4c1d9e7a2b5f8036";

  private final AgentLimiter limiter = AgentLimiters.newBuilder().build();

  private static Route route(String name, long capacity) {
    return Route.of(Policy.named(name).limit(Limit.capacity(capacity).refill(1).per(Duration.ofSeconds(1))).build());
  }

  private static AdminEndpoint admin(AgentLimiter limiter) {
    InMemoryApiKeyStore keys =
        InMemoryApiKeyStore.create()
            .add(ADMIN_KEY, new AgentIdentity("ops", "default", Set.of("agentlimiter:admin"), IdentitySource.API_KEY));
    return AdminEndpoint.builder(limiter).identity(IdentityResolvers.apiKeys(keys)).build();
  }

  @Test
  void defaults() {
    AdapterOptions options = AdapterOptions.builder(limiter).build();
    assertThat(options.limiter()).isSameAs(limiter);
    assertThat(options.routes().isEmpty()).isTrue();
    assertThat(options.routes().caseInsensitive()).isFalse();
    assertThat(options.shadows(route("p", 1))).isFalse();
    assertThat(options.anonymousAnnotated()).isFalse();
    assertThat(options.failOpen()).isFalse();
    assertThat(options.realm()).isEqualTo("api");
    assertThat(options.unavailableRetryAfter()).isEqualTo(Duration.ofSeconds(5));
    assertThat(options.adminEndpoint()).isEmpty();
  }

  @Test
  void everyOptionReachesTheValue() {
    Route orders = route("orders", 5);
    Route tried = route("tried", 5);
    AdminEndpoint endpoint = admin(limiter);
    AdapterOptions options =
        AdapterOptions.builder(limiter)
            .route("/v1/orders/*", orders)
            .route("POST", "/v1/orders", orders)
            .shadowRoute("GET", "/v1/search", tried)
            .caseInsensitiveRoutes(true)
            .anonymousAnnotatedRoutes(true)
            .failOpen(true)
            .realm("orders-api")
            .unavailableRetryAfter(Duration.ofSeconds(30))
            .adminEndpoint(endpoint)
            .build();
    assertThat(options.routes().size()).isEqualTo(3);
    assertThat(options.routes().match("POST", "/V1/Orders")).isSameAs(orders);
    assertThat(options.routes().match("GET", "/v1/orders/7")).isSameAs(orders);
    assertThat(options.routes().match("GET", "/v1/search")).isSameAs(tried);
    assertThat(options.shadows(tried)).isTrue();
    assertThat(options.shadows(orders)).isFalse();
    assertThat(options.shadows(route("tried", 5))).as("shadow mode belongs to the route object").isFalse();
    assertThat(options.anonymousAnnotated()).isTrue();
    assertThat(options.failOpen()).isTrue();
    assertThat(options.realm()).isEqualTo("orders-api");
    assertThat(options.unavailableRetryAfter()).isEqualTo(Duration.ofSeconds(30));
    assertThat(options.adminEndpoint()).containsSame(endpoint);
    assertThat(AdapterOptions.builder(limiter).shadow(true).build().shadows(orders)).isTrue();
  }

  @Test
  void eachBadValueIsRefusedWhereItIsSetNamingIt() {
    AdapterOptions.Builder b = AdapterOptions.builder(limiter);
    Route r = route("p", 1);
    assertThatThrownBy(() -> b.route("api/*", r))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("route pattern 'api/*' is not a servlet URL pattern (/exact, /prefix/*, *.ext or /)");
    assertThatThrownBy(() -> b.route("GET", "/a/*/b", r))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("route pattern '/a/*/b' is not a servlet URL pattern (/exact, /prefix/*, *.ext or /)");
    assertThatThrownBy(() -> b.shadowRoute(null, "*.", r))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("route pattern '*.' is not a servlet URL pattern (/exact, /prefix/*, *.ext or /)");
    assertThatThrownBy(() -> b.route("/.", r))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("route pattern '/.' is the root path");
    assertThatThrownBy(() -> b.realm(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("realm must have 1 to 64 characters but was ''");
    assertThatThrownBy(() -> b.realm("r".repeat(65)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("realm must have 1 to 64 characters but was '" + "r".repeat(65) + "'");
    assertThatThrownBy(() -> b.realm("my \"realm\""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("realm may contain only letters, digits, '.', '_' and '-' but was 'my \"realm\"'");
    assertThatThrownBy(() -> b.unavailableRetryAfter(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unavailableRetryAfter must be > 0 but was PT0S");
    assertThatThrownBy(() -> b.unavailableRetryAfter(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unavailableRetryAfter must be > 0 but was PT-1S");
    assertThatThrownBy(() -> b.adminEndpoint(admin(AgentLimiters.newBuilder().build())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("adminEndpoint at '/_agentlimiter' serves another limiter than this adapter's");

    AdapterOptions unchanged = b.build(); // every refused value left the builder as it was
    assertThat(unchanged.routes().isEmpty()).isTrue();
    assertThat(unchanged.realm()).isEqualTo("api");
    assertThat(unchanged.unavailableRetryAfter()).isEqualTo(Duration.ofSeconds(5));
    assertThat(unchanged.adminEndpoint()).isEmpty();
  }

  @Test
  @SuppressWarnings("NullAway") // null on purpose
  void nullIsRefusedNamingTheOption() {
    AdapterOptions.Builder b = AdapterOptions.builder(limiter);
    assertThatThrownBy(() -> AdapterOptions.builder(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("limiter");
    assertThatThrownBy(() -> b.route("/a", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("route");
    assertThatThrownBy(() -> b.realm(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("realm");
    assertThatThrownBy(() -> b.unavailableRetryAfter(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("unavailableRetryAfter");
    assertThatThrownBy(() -> b.adminEndpoint(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("adminEndpoint");
    Route r = route("p", 1);
    assertThat(b.route(null, "/a", r).build().routes().match("DELETE", "/a"))
        .as("a null method is every method")
        .isSameAs(r);
  }

  @Test
  void aRouteIsMappedOncePerMethodAndPatternAndTheAdminEndpointSetOnce() {
    Route r = route("p", 1);
    assertThatThrownBy(() -> AdapterOptions.builder(limiter).route("/a", r).route("/a", r))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("route /a is mapped twice");
    assertThatThrownBy(() -> AdapterOptions.builder(limiter).route("/a", r).route("/a/", r))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("route /a/ is mapped twice (as /a: both match /a)");
    assertThatThrownBy(() -> AdapterOptions.builder(limiter).route("GET", "/a", r).shadowRoute("get", "/a", r))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("route GET /a is mapped twice");
    // one pattern for every method and for one method are two routes
    AdapterOptions both = AdapterOptions.builder(limiter).route("/a", r).route("GET", "/a", r).build();
    assertThat(both.routes().size()).isEqualTo(2);

    AdminEndpoint endpoint = admin(limiter);
    AdapterOptions.Builder b = AdapterOptions.builder(limiter).adminEndpoint(endpoint);
    assertThatThrownBy(() -> b.adminEndpoint(admin(limiter)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("adminEndpoint was already set, at '/_agentlimiter'");
    assertThat(b.build().adminEndpoint()).containsSame(endpoint);

    // the other options take the last value set, as they always have
    AdapterOptions last = AdapterOptions.builder(limiter).realm("a").realm("b").failOpen(true).failOpen(false).build();
    assertThat(last.realm()).isEqualTo("b");
    assertThat(last.failOpen()).isFalse();
  }

  @Test
  void buildChecksTheRoutesTogether() {
    AdapterOptions.Builder names =
        AdapterOptions.builder(limiter).route("/a", route("orders", 5)).route("/b", route("orders", 50));
    assertThatThrownBy(names::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("policy 'orders' of /b differs from another policy of that name");
    AdapterOptions.Builder cases =
        AdapterOptions.builder(limiter)
            .route("/orders", route("p", 1))
            .route("/Orders", route("p", 1))
            .caseInsensitiveRoutes(true);
    assertThatThrownBy(cases::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("routes /orders and /Orders differ only in case; matching ignoring case, both are /orders");
  }

  @Test
  void aBuiltValueIsFixed() {
    Route first = route("first", 1);
    Route later = route("later", 1);
    AdapterOptions.Builder b = AdapterOptions.builder(limiter).route("/first", first);
    AdapterOptions built = b.build();
    b.route("/later", later).shadowRoute(null, "/tried", later).caseInsensitiveRoutes(true).shadow(true).realm("other");
    assertThat(built.routes().size()).isEqualTo(1);
    assertThat(built.routes().match("GET", "/later")).isNull();
    assertThat(built.routes().caseInsensitive()).isFalse();
    assertThat(built.shadows(later)).isFalse();
    assertThat(built.realm()).isEqualTo("api");
    // the builder stays usable, and a second value has the changes
    AdapterOptions second = b.build();
    assertThat(second.routes().size()).isEqualTo(3);
    assertThat(second.shadows(first)).isTrue();
    // routeBuilder() is a copy: what an adapter adds to it stays out of the value
    built.routeBuilder().add(null, "/annotated", later);
    assertThat(built.routes().match("GET", "/annotated")).isNull();
    assertThat(built.routeBuilder().build().match("GET", "/first")).isSameAs(first);
  }

  @Test
  void toStringShowsTheOptionsAndNoCredential() {
    AdapterOptions options =
        AdapterOptions.builder(limiter)
            .route("GET", "/v1/orders", route("orders", 5))
            .shadowRoute(null, "/v1/search/*", route("search", 5))
            .failOpen(true)
            .adminEndpoint(admin(limiter))
            .build();
    assertThat(options)
        .hasToString(
            "AdapterOptions[routes=[GET /v1/orders=Route[policies=[orders]], /v1/search/*=Route[policies=[search]]"
                + " (shadow)], caseInsensitiveRoutes=false, anonymousAnnotatedRoutes=false, shadow=false,"
                + " failOpen=true, realm=api, unavailableRetryAfter=PT5S,"
                + " adminEndpoint=/_agentlimiter (scope agentlimiter:admin)]");
    assertThat(options.toString()).doesNotContain(ADMIN_KEY);
  }
}
