package dev.agentlimiter.core.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Route;
import java.time.Duration;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** Servlet URL-pattern precedence: exact, longest prefix, extension, default; a method beats any method. */
class RouteTableTest {

  private static Route route(String name) {
    return Route.of(Policy.named(name).limit(Limit.capacity(1).refill(1).per(Duration.ofSeconds(1))).build());
  }

  private static final Route EXACT = route("exact");
  private static final Route API = route("api");
  private static final Route API_V1 = route("api-v1");
  private static final Route API_POST = route("api-post");
  private static final Route JSON = route("json");
  private static final Route DEFAULT = route("default");

  private static RouteTable.Builder entries() {
    return RouteTable.builder()
        .add(null, "/api/v1/health", EXACT)
        .add(null, "/api/*", API)
        .add(null, "/api/v1/*", API_V1)
        .add("post", "/api/*", API_POST)
        .add(null, "*.json", JSON)
        .add(null, "/", DEFAULT);
  }

  private static RouteTable table() {
    return entries().build();
  }

  @Test
  void theServletPrecedence() {
    RouteTable t = table();
    assertThat(t.match("GET", "/api/v1/health")).isSameAs(EXACT);
    assertThat(t.match("GET", "/api/v1/zones")).isSameAs(API_V1);
    assertThat(t.match("GET", "/api/v1")).isSameAs(API_V1);
    assertThat(t.match("GET", "/api/v2/zones")).isSameAs(API);
    assertThat(t.match("POST", "/api/v2/zones")).isSameAs(API_POST);
    assertThat(t.match("GET", "/api")).isSameAs(API);
    assertThat(t.match("GET", "/apix")).isSameAs(DEFAULT); // not under /api/
    assertThat(t.match("GET", "/data/report.json")).isSameAs(JSON);
    assertThat(t.match("GET", "/api/report.json")).isSameAs(API); // a prefix wins over an extension
    assertThat(t.match("GET", "/data.d/report")).isSameAs(DEFAULT); // the dot is not in the last segment
    assertThat(RouteTable.empty().match("GET", "/")).isNull();
    assertThat(RouteTable.builder().build().isEmpty()).isTrue();
    assertThat(t.size()).isEqualTo(6);
  }

  @Test
  void badAndDuplicatePatternsAreRefused() {
    RouteTable.Builder t = entries();
    assertThatThrownBy(() -> t.add(null, "/api/*", API))
        .hasMessage("route /api/* is mapped twice");
    assertThatThrownBy(() -> t.add("POST", "/api/*", API))
        .hasMessage("route POST /api/* is mapped twice");
    for (String bad : new String[] {"api", "/a*b", "*.", "*.a/b", "/api/*/x", "", "/a*/*", "*.j*", "*"}) {
      assertThatThrownBy(() -> t.add(null, bad, API))
          .as(bad)
          .hasMessage("route pattern '" + bad + "' is not a servlet URL pattern (/exact, /prefix/*, *.ext or /)");
    }
    // a refused entry leaves the builder as it was
    assertThat(t.build().match("GET", "/api/x")).isSameAs(API);
    assertThat(t.build().match("POST", "/api/x")).isSameAs(API_POST);
    assertThat(t.build().size()).isEqualTo(6);
  }

  @Test
  void aMethodOnlyEntryFallsThroughForOtherMethods() {
    Route getOnly = route("get-only");
    RouteTable t =
        RouteTable.builder().add("GET", "/api/v1/health", getOnly).add("DELETE", "/api/*", API_POST).add(null, "/*", DEFAULT).build();
    assertThat(t.match("GET", "/api/v1/health")).isSameAs(getOnly);
    assertThat(t.match("POST", "/api/v1/health")).isSameAs(DEFAULT); // neither the exact nor /api/* serves POST
    assertThat(t.match("DELETE", "/api/v1/health")).isSameAs(API_POST);
    assertThat(t.match("GET", "/anything")).isSameAs(DEFAULT);
  }

  @Provide
  Arbitrary<String> paths() {
    return Arbitraries.of("", "api", "v1", "health", "zones", "report.json", "a.b", "api.json", "..", "%2F")
        .list()
        .ofMaxSize(5)
        .map(parts -> "/" + String.join("/", parts));
  }

  /**
   * Against a direct statement of the rule, applied to the path's canonical spelling ({@link
   * RouteSpellingProperties#reference}): the exact pattern if there is one, else the longest prefix whose
   * base is the path or a parent of it, else the extension of the last segment, else the default.
   */
  @Property(tries = 1_000)
  void matchesTheRuleForAnyPath(@ForAll("paths") String spelled) {
    String path = RouteSpellingProperties.reference(spelled);
    Route expected;
    if (path.equals("/api/v1/health")) {
      expected = EXACT;
    } else if (path.equals("/api/v1") || path.startsWith("/api/v1/")) {
      expected = API_V1;
    } else if (path.equals("/api") || path.startsWith("/api/")) {
      expected = API;
    } else if (path.substring(path.lastIndexOf('/') + 1).endsWith(".json")
        && path.substring(path.lastIndexOf('/') + 1).lastIndexOf('.') == path.substring(path.lastIndexOf('/') + 1).length() - 5) {
      expected = JSON;
    } else {
      expected = DEFAULT;
    }
    assertThat(table().match("GET", spelled)).as(spelled).isSameAs(expected);
  }

  @Test
  void oneNameMustMeanOnePolicy() {
    Route small = route("orders");
    Route big =
        Route.of(Policy.named("orders").limit(Limit.capacity(100).refill(1).per(Duration.ofSeconds(1))).build());
    RouteTable.Builder b = RouteTable.builder().add(null, "/a", small).add("GET", "/b", big);
    assertThatThrownBy(b::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("policy 'orders' of GET /b differs from another policy of that name: ")
        .hasMessageEndingWith("; one name must mean one policy");
    // the same policy on several routes is one policy
    RouteTable same = RouteTable.builder().add(null, "/a", small).add(null, "/b", route("orders")).build();
    assertThat(same.policiesByName()).containsOnlyKeys("orders");
  }
}
