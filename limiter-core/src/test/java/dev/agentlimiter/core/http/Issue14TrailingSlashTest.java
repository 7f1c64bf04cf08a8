package dev.agentlimiter.core.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.AgentLimiters;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, item 5: with the application on {@code /*} (a front controller), {@code /v1/orders/} and {@code
 * /v1/orders/.} reached the handler of {@code GET /v1/orders} without its route, since the table matched
 * the path as the container spelled it. Now the table matches the canonical spelling, as routers do; with
 * the case-insensitive option, ignoring case too.
 */
class Issue14TrailingSlashTest {

  private static Route route(String name) {
    return Route.of(Policy.named(name).limit(Limit.capacity(1).refill(1).per(Duration.ofSeconds(1))).build());
  }

  private static final Route ORDERS = route("orders");
  private static final Route ORDER = route("order");
  private static final Route JSON = route("json");
  private static final Route ROOT = route("root");

  @Test
  void everySpellingAFrontControllerServesAsTheRouteMeetsIt() {
    RouteTable t = RouteTable.builder().add("GET", "/v1/orders", ORDERS).build();
    for (String spelling :
        List.of(
            "/v1/orders", "/v1/orders/", "/v1/orders/.", "/v1/orders//", "/v1/orders/./", "/v1/orders/.//",
            "/v1//orders", "//v1/orders", "/v1/./orders", "/v1/x/../orders/", "/v1/orders/x/..", "/../v1/orders",
            "v1/orders/")) {
      assertThat(t.match("GET", spelling)).as(spelling).isSameAs(ORDERS);
    }
    // other paths stay other paths
    for (String other :
        List.of("/v1/orders.", "/v1/ordersx", "/v1/orders/..", "/v1/orders/x", "/v1/orders%2F", "/V1/Orders", "/v1")) {
      assertThat(t.match("GET", other)).as(other).isNull();
    }
    assertThat(t.match("POST", "/v1/orders/")).isNull();
  }

  @Test
  void anIdTemplateFollowedByATrailingSlashMeetsItsRoute() {
    // a template /v1/orders/{id} is a prefix in servlet patterns; an exact id route the same
    RouteTable t =
        RouteTable.builder().add("GET", "/v1/orders", ORDERS).add("GET", "/v1/orders/*", ORDER).add(null, "/v1/orders/42", JSON).build();
    for (String spelling : List.of("/v1/orders/7", "/v1/orders/7/", "/v1/orders/7/.", "/v1/orders//7//", "/v1/orders/7/./")) {
      assertThat(t.match("GET", spelling)).as(spelling).isSameAs(ORDER);
    }
    // the exact collection route wins over the prefix, whatever the spelling (before, /v1/orders/ met the prefix)
    assertThat(t.match("GET", "/v1/orders/")).isSameAs(ORDERS);
    assertThat(t.match("GET", "/v1/orders/.")).isSameAs(ORDERS);
    assertThat(t.match("GET", "/v1/orders/42/")).isSameAs(JSON);
    assertThat(t.match("GET", "/v1/orders/42/./")).isSameAs(JSON);
  }

  @Test
  void theRootPathHasOneSpelling() {
    for (String root : List.of("/", "//", "///", "/.", "/./", "/..", "/x/..", "/x/../", "")) {
      assertThat(RouteTable.canonical(root)).as(root).isEqualTo("/");
    }
    RouteTable byDefault = RouteTable.builder().add(null, "/", ROOT).build();
    RouteTable byPrefix = RouteTable.builder().add(null, "//*", ROOT).build(); // //* is /*
    for (String root : List.of("/", "//", "/.", "/x/..")) {
      assertThat(byDefault.match("GET", root)).as(root).isSameAs(ROOT);
      assertThat(byPrefix.match("GET", root)).as(root).isSameAs(ROOT);
    }
    assertThatThrownBy(() -> RouteTable.builder().add(null, "//*", ROOT).add(null, "/*", ORDERS))
        .hasMessage("route /* is mapped twice (as //*: both match /*)");
  }

  @Test
  void patternsAreReadInTheirCanonicalSpelling() {
    RouteTable t = RouteTable.builder().add("GET", "/v1/orders/", ORDERS).add(null, "/api//*", ORDER).build();
    assertThat(t.match("GET", "/v1/orders")).isSameAs(ORDERS);
    assertThat(t.match("GET", "/api")).isSameAs(ORDER);
    assertThat(t.match("GET", "/api/x")).isSameAs(ORDER);
    RouteTable.Builder b = RouteTable.builder().add("GET", "/v1/orders", ORDERS);
    assertThatThrownBy(() -> b.add("GET", "/v1/orders/", ORDER))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("route GET /v1/orders/ is mapped twice (as /v1/orders: both match /v1/orders)");
    b.add("POST", "/v1/orders/", ORDER); // another method is another route
    assertThatThrownBy(() -> RouteTable.builder().add(null, "//", ROOT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("route pattern '//' is the root path");
  }

  @Test
  void aCanonicalPathIsItselfSoMatchingAllocatesNothing() {
    for (String canonical : List.of("/", "/v1/orders", "/a.b/..c/.d/e.", "/%2e", "/a;b")) {
      assertThat(RouteTable.canonical(canonical)).as(canonical).isSameAs(canonical);
    }
    String lower = "/v1/orders";
    assertThat(RouteTable.fold(lower)).isSameAs(lower);
  }

  @Test
  void caseIsMatchedOnlyWhenAsked() {
    RouteTable sensitive = RouteTable.builder().add("GET", "/v1/orders", ORDERS).add(null, "*.json", JSON).build();
    assertThat(sensitive.caseInsensitive()).isFalse();
    assertThat(sensitive.match("GET", "/V1/Orders")).isNull();
    assertThat(sensitive.match("GET", "/report.JSON")).isNull();

    RouteTable insensitive =
        RouteTable.builder()
            .caseInsensitive(true)
            .add("GET", "/v1/Orders", ORDERS)
            .add(null, "/API/*", ORDER)
            .add(null, "*.Json", JSON)
            .build();
    assertThat(insensitive.caseInsensitive()).isTrue();
    for (String spelling : List.of("/v1/orders", "/V1/ORDERS", "/V1/Orders/", "/v1/oRDERS/.", "//V1//orders//")) {
      assertThat(insensitive.match("GET", spelling)).as(spelling).isSameAs(ORDERS);
    }
    assertThat(insensitive.match("GET", "/api/x")).isSameAs(ORDER);
    assertThat(insensitive.match("GET", "/Api")).isSameAs(ORDER);
    assertThat(insensitive.match("GET", "/report.JSON")).isSameAs(JSON);
    // equalsIgnoreCase's comparison: the Kelvin sign is a k, the dotted capital I an i
    RouteTable kelvin = RouteTable.builder().caseInsensitive(true).add(null, "/kiosk", ORDERS).build();
    assertThat("/\u212Aiosk".equalsIgnoreCase("/kiosk")).isTrue();
    assertThat(kelvin.match("GET", "/\u212Aiosk")).isSameAs(ORDERS);
    assertThat("/K\u0130OSK".equalsIgnoreCase("/kiosk")).isTrue();
    assertThat(kelvin.match("GET", "/K\u0130OSK")).isSameAs(ORDERS);

    RouteTable.Builder twice = RouteTable.builder().add("GET", "/orders", ORDERS).add("GET", "/Orders", ORDER);
    twice.build(); // two routes, case-sensitively
    twice.caseInsensitive(true);
    assertThatThrownBy(twice::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("routes GET /orders and /Orders differ only in case; matching ignoring case, both are /orders");
  }

  @Test
  void theAdapterOptionReachesEveryTable() {
    AgentLimiter limiter = AgentLimiters.newBuilder().build();
    AdapterOptions byDefault = AdapterOptions.builder(limiter).route("GET", "/v1/orders", ORDERS).build();
    assertThat(byDefault.routes().caseInsensitive()).isFalse();
    assertThat(byDefault.routes().match("GET", "/v1/orders/")).isSameAs(ORDERS);
    assertThat(byDefault.routes().match("GET", "/V1/orders")).isNull();

    AdapterOptions ignoringCase =
        AdapterOptions.builder(limiter).route("GET", "/v1/orders", ORDERS).caseInsensitiveRoutes(true).build();
    assertThat(ignoringCase.routes().match("GET", "/V1/Orders/")).isSameAs(ORDERS);
    // the builder an adapter adds its own routes to (the servlet filter's annotated servlets) keeps the option
    RouteTable more = ignoringCase.routeBuilder().add(null, "/Annotated", JSON).build();
    assertThat(more.caseInsensitive()).isTrue();
    assertThat(more.match("GET", "/annotated/")).isSameAs(JSON);
    assertThat(more.match("GET", "/v1/ORDERS")).isSameAs(ORDERS);

    AdapterOptions.Builder clash =
        AdapterOptions.builder(limiter).route("/a", ORDERS).route("/A", ORDER).caseInsensitiveRoutes(true);
    assertThatThrownBy(clash::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("differ only in case");
  }
}
