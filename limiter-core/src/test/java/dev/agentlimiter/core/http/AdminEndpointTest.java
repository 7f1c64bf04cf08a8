package dev.agentlimiter.core.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentlimiter.api.Admission;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.IdentityResult;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.LimiterAdmin;
import dev.agentlimiter.api.Outcome;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Quarantine;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.api.RequestView;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.AgentLimiters;
import dev.agentlimiter.core.FakeTimeSource;
import dev.agentlimiter.core.HttpRequestStub;
import dev.agentlimiter.core.identity.IdentityResolvers;
import dev.agentlimiter.core.identity.InMemoryApiKeyStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link AdminEndpoint} on its own, without a container: authentication, path and query parsing (the
 * attacks included), and each resource's answer. The adapters' tests run the same over real HTTP.
 */
class AdminEndpointTest {

  private static final String ADMIN_KEY = "adm_7f3c9e1b5a2d48f6b0c4";
  private static final String READER_KEY = "adm_reader_0a1b2c3d4e5f6a7b";
  private static final String AGENT_KEY = "ak_agent_1_9d8c7b6a5f4e3d2c";
  private static final String BASE = AdminEndpoint.DEFAULT_BASE_PATH;

  private static final Policy API =
      Policy.named("api")
          .limit(Limit.capacity(5).refill(5).per(Duration.ofMinutes(1)).named("minute"))
          .quarantine(Quarantine.after(2).within(Duration.ofMinutes(1)))
          .build();

  private static final AgentIdentity AGENT = AgentIdentity.of("agent-1", IdentitySource.API_KEY);

  private final FakeTimeSource clock = new FakeTimeSource();
  private final AgentLimiter limiter =
      AgentLimiters.newBuilder()
          .timeSource(clock)
          .policy(API)
          .identity(IdentityResolvers.apiKeys(InMemoryApiKeyStore.create().add(AGENT_KEY, AGENT)))
          .build();
  private final AdminEndpoint endpoint = endpoint(limiter);

  private static AdminEndpoint endpoint(AgentLimiter limiter) {
    InMemoryApiKeyStore adminKeys =
        InMemoryApiKeyStore.create()
            .add(ADMIN_KEY, new AgentIdentity("ops", "default", Set.of("agentlimiter:admin"), IdentitySource.API_KEY))
            .add(READER_KEY, new AgentIdentity("reader", "default", Set.of("metrics:read"), IdentitySource.API_KEY));
    return AdminEndpoint.builder(limiter).identity(IdentityResolvers.apiKeys(adminKeys)).build();
  }

  private static HttpRequestStub.Builder admin(String method, String path) {
    return HttpRequestStub.builder().method(method).path(path).header("Authorization", "Bearer " + ADMIN_KEY);
  }

  private AdminEndpoint.Response call(RequestView request) {
    AdminEndpoint.Response r = endpoint.handle(request);
    assertSafe(r);
    return r;
  }

  private AdminEndpoint.Response get(String path) {
    return call(admin("GET", path).build());
  }

  private static String body(AdminEndpoint.Response r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  /** What every answer must be: no-store, JSON, and never a key, a stack trace or a 500. */
  private static void assertSafe(AdminEndpoint.Response r) {
    assertThat(r.status()).isNotEqualTo(500);
    assertThat(r.header("Cache-Control")).isEqualTo("no-store");
    assertThat(r.header("Content-Type")).isIn("application/json", "application/problem+json");
    assertThat(r.headers().get(0).getKey()).isEqualTo("Content-Type");
    String text = body(r);
    assertThat(text).doesNotContain(ADMIN_KEY, READER_KEY, AGENT_KEY, "Exception", "\tat ", "dev.agentlimiter");
    if (r.status() >= 400) {
      assertThat(text).startsWith("{\"type\":\"https://").contains("\"status\":" + r.status());
    }
  }

  // ---------------------------------------------------------------- builder and routing

  @Test
  void theBuilderRequiresIdentityAndValidatesEveryOption() {
    assertThatThrownBy(() -> AdminEndpoint.builder(limiter).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("identity");
    for (String bad : new String[] {"", "/", "x", "/a/", "/a*", "/a//b", "/a/../b", "/a/./b", "/a b", "/a%2Fb", "/a;b"}) {
      assertThatThrownBy(() -> AdminEndpoint.builder(limiter).basePath(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("basePath");
    }
    assertThat(AdminEndpoint.builder(limiter).basePath("/ops/limiter").identity(r -> IdentityResult.abstain()).build().basePath())
        .isEqualTo("/ops/limiter");
    assertThatThrownBy(() -> AdminEndpoint.builder(limiter).basePath("/a").basePath("/b"))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> AdminEndpoint.builder(limiter).identity())
        .isInstanceOf(IllegalArgumentException.class);
    for (String bad : new String[] {"", "a b", "a\"b", "a\nb", "x".repeat(129)}) {
      assertThatThrownBy(() -> AdminEndpoint.builder(limiter).requiredScope(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("requiredScope");
    }
  }

  @Test
  void handlesTheBasePathAndBelowOnly() {
    assertThat(endpoint.handles("/_agentlimiter")).isTrue();
    assertThat(endpoint.handles("/_agentlimiter/quarantined")).isTrue();
    assertThat(endpoint.handles("/_agentlimiterX")).isFalse();
    assertThat(endpoint.handles("/_agentlimite")).isFalse();
    assertThat(endpoint.handles("/")).isFalse();
    assertThat(endpoint.handles("/v1/orders")).isFalse();
    assertThat(endpoint.handles("/_AGENTLIMITER/quarantined")).isFalse();
  }

  @Test
  void anAdapterRefusesAnEndpointOfAnotherLimiter() {
    AgentLimiter other = AgentLimiters.newBuilder().build();
    assertThatThrownBy(() -> AdapterOptions.builder(other).adminEndpoint(endpoint))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("another limiter");
    AdapterOptions.Builder adapter = AdapterOptions.builder(limiter);
    assertThat(adapter.adminEndpoint(endpoint).build().adminEndpoint()).containsSame(endpoint);
    assertThatThrownBy(() -> adapter.adminEndpoint(endpoint)).isInstanceOf(IllegalStateException.class);
    assertThat(AdapterOptions.builder(limiter).build().adminEndpoint()).isEmpty();
  }

  // ---------------------------------------------------------------- identity

  @Test
  void noCredentialIs401WithAChallenge() {
    AdminEndpoint.Response r = call(HttpRequestStub.get(BASE + "/quarantined").build());
    assertThat(r.status()).isEqualTo(401);
    assertThat(r.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"agentlimiter-admin\"");
    assertThat(body(r))
        .isEqualTo(
            "{\"type\":\"https://agentlimiter.dev/problems/unauthenticated\",\"title\":\"Unauthorized\","
                + "\"status\":401,\"detail\":\"a valid credential is required\",\"reason\":\"UNAUTHENTICATED\","
                + "\"violated-policies\":[]}");
  }

  @Test
  void aWrongKeyIs401AndTheApplicationsKeyIsNotAnAdminKey() {
    for (String key : new String[] {"adm_wrong_key_000000000000", AGENT_KEY}) {
      AdminEndpoint.Response r =
          call(HttpRequestStub.get(BASE + "/quarantined").header("Authorization", "Bearer " + key).build());
      assertThat(r.status()).isEqualTo(401);
      assertThat(r.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"agentlimiter-admin\", error=\"invalid_token\"");
    }
  }

  @Test
  void aKeyWithoutTheScopeIs403() {
    AdminEndpoint.Response r =
        call(HttpRequestStub.get(BASE + "/quarantined").header("Authorization", "Bearer " + READER_KEY).build());
    assertThat(r.status()).isEqualTo(403);
    assertThat(body(r)).contains("\"detail\":\"missing scope 'agentlimiter:admin'\"");
  }

  @Test
  void everyPathIsAuthenticatedBeforeItIsParsed() {
    for (String path : new String[] {BASE, BASE + "/nothing", BASE + "/agents/api_key/..", BASE + "/%zz"}) {
      assertThat(call(HttpRequestStub.get(path).build()).status()).as(path).isEqualTo(401);
    }
  }

  @Test
  void guessingAdminKeysSpendsTheLimitersCredentialGuard() {
    for (int i = 0; i < 20; i++) {
      assertThat(
              call(HttpRequestStub.get(BASE + "/quarantined").header("Authorization", "Bearer adm_guess_" + (100000000000L + i)).build())
                  .status())
          .isEqualTo(401);
    }
    AdminEndpoint.Response refused = get(BASE + "/quarantined"); // the right key, now not even checked
    assertThat(refused.status()).isEqualTo(429);
    assertThat(refused.header("Retry-After")).isEqualTo("3");
    assertThat(body(refused)).contains("\"violated-policies\":[\"invalid-credentials\"]");
    // the same address, on the application's routes: the allowance is one
    Admission app =
        limiter.admit(
            HttpRequestStub.get("/v1/orders").header("Authorization", "Bearer " + AGENT_KEY).build(), Route.of(API));
    assertThat(app.decision().reason()).isEqualTo(Reason.RATE_LIMITED);
    app.close();
    clock.advance(Duration.ofMinutes(1));
    assertThat(get(BASE + "/quarantined").status()).isEqualTo(200);
  }

  // ---------------------------------------------------------------- path and query attacks

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/_agentlimiter/agents/api_key/..",
        "/_agentlimiter/agents/api_key/%2e%2E",
        "/_agentlimiter/agents/api_key/.",
        "/_agentlimiter/../_agentlimiter/quarantined",
        "/_agentlimiter/agents/api_key/%00",
        "/_agentlimiter/agents/api_key/a%0Ab",
        "/_agentlimiter/agents/api_key/a%7Fb",
        "/_agentlimiter/agents/api_key/%zz",
        "/_agentlimiter/agents/api_key/%4",
        "/_agentlimiter/agents/api_key/%e2%82",
        "/_agentlimiter/agents/api_key/%c0%af",
        "/_agentlimiter/agents/api_key/%ff",
        "/_agentlimiter/agents/api_key/%\uff11\uff11",
      })
  void malformedPathsAre400(String path) {
    AdminEndpoint.Response r = get(path);
    assertThat(r.status()).as(path).isEqualTo(400);
    assertThat(body(r)).contains("\"type\":\"https://agentlimiter.dev/problems/invalid-request\"");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/_agentlimiter",
        "/_agentlimiter/",
        "/_agentlimiter/agents",
        "/_agentlimiter/agents/api_key",
        "/_agentlimiter/agents/API_KEY/agent-1",
        "/_agentlimiter/agents/apikey/agent-1",
        "/_agentlimiter/agents/api_key/agent-1/delete",
        "/_agentlimiter/agents/api_key/agent-1/release/now",
        "/_agentlimiter%2Fquarantined",
        "/_agentlimiter/agents%2Fapi_key%2Fagent-1",
        "/_agentlimiterX/quarantined",
        "/_agentlimiter/Quarantined",
      })
  void unknownPathsAre404(String path) {
    AdminEndpoint.Response r = get(path);
    assertThat(r.status()).as(path).isEqualTo(404);
    assertThat(body(r)).contains("\"type\":\"https://agentlimiter.dev/problems/not-found\"");
  }

  @Test
  void anEncodedSlashStaysInsideTheIdAndSelectsNoOtherResource() {
    AdminEndpoint.Response state = get(BASE + "/agents/ip/ip:2001:db8:0:1::%2F64");
    assertThat(state.status()).isEqualTo(200);
    assertThat(body(state)).startsWith("{\"id\":\"ip:2001:db8:0:1::/64\",\"source\":\"ip\",");
    // "x/release" is an id: GET only, so a POST cannot release through it
    AdminEndpoint.Response post = call(admin("POST", BASE + "/agents/api_key/x%2Frelease").query("lane=default").build());
    assertThat(post.status()).isEqualTo(405);
    assertThat(post.header("Allow")).isEqualTo("GET");
  }

  @Test
  void hugeIdsAndPathsAre400() {
    assertThat(get(BASE + "/agents/api_key/" + "a".repeat(AgentIdentity.MAX_ID_LENGTH)).status()).isEqualTo(200);
    assertThat(get(BASE + "/agents/api_key/" + "a".repeat(AgentIdentity.MAX_ID_LENGTH + 1)).status()).isEqualTo(400);
    assertThat(get(BASE + "/agents/api_key/" + "%41".repeat(1000)).status()).isEqualTo(400);
    assertThat(get(BASE + "/agents/api_key/" + "a".repeat(100_000)).status()).isEqualTo(400);
    assertThat(call(admin("GET", BASE + "/offenders").query("limit=" + "1".repeat(2000)).build()).status())
        .isEqualTo(400);
  }

  @Test
  void pathParametersDoubledAndTrailingSlashesAreIgnoredAsContainersDo() {
    assertThat(get(BASE + "//quarantined/").status()).isEqualTo(200);
    assertThat(get(BASE + "/quarantined;jsessionid=1").status()).isEqualTo(200);
    assertThat(get(BASE + "/agents/api_key/agent%2D1").status()).isEqualTo(200);
  }

  @Test
  void wrongMethodsAre405WithAllow() {
    AdminEndpoint.Response r = call(admin("POST", BASE + "/quarantined").build());
    assertThat(r.status()).isEqualTo(405);
    assertThat(r.header("Allow")).isEqualTo("GET");
    assertThat(body(r)).contains("method-not-allowed");
    AdminEndpoint.Response release = call(admin("GET", BASE + "/agents/api_key/agent-1/release").query("lane=default").build());
    assertThat(release.status()).isEqualTo(405);
    assertThat(release.header("Allow")).isEqualTo("POST");
    assertThat(call(admin("DELETE", BASE + "/agents/api_key/agent-1").build()).status()).isEqualTo(405);
  }

  @Test
  void queriesAreStrict() {
    String[][] cases = {
      {BASE + "/offenders", "limit=0"},
      {BASE + "/offenders", "limit=1001"},
      {BASE + "/offenders", "limit=-1"},
      {BASE + "/offenders", "limit=ten"},
      {BASE + "/offenders", "limit="},
      {BASE + "/offenders", "limit=5&limit=6"},
      {BASE + "/offenders", "top=5"},
      {BASE + "/offenders", "limit=%zz"},
      {BASE + "/quarantined", "x=1"},
      {BASE + "/agents/api_key/agent-1/release", ""},
      {BASE + "/agents/api_key/agent-1/release", "lane="},
      {BASE + "/agents/api_key/agent-1/release", "lane=a%20b"},
      {BASE + "/agents/api_key/agent-1/reset", "policy=<script>"},
    };
    for (String[] c : cases) {
      String method = c[0].endsWith("release") || c[0].endsWith("reset") ? "POST" : "GET";
      AdminEndpoint.Response r = call(admin(method, c[0]).query(c[1]).build());
      assertThat(r.status()).as(c[0] + "?" + c[1]).isEqualTo(400);
      assertThat(body(r)).as("never echoes the query").doesNotContain("<script>", "ten", "top");
    }
    assertThat(call(admin("GET", BASE + "/offenders").query("limit=1000").build()).status()).isEqualTo(200);
    assertThat(call(admin("GET", BASE + "/offenders").query("&limit=5&").build()).status()).isEqualTo(200);
  }

  // ---------------------------------------------------------------- resources

  @Test
  void stateShowsEveryLimitOfTheAgent() {
    for (int i = 0; i < 2; i++) {
      assertThat(limiter.decide(AgentRequest.of(AGENT, API)).isAllowed()).isTrue();
    }
    AdminEndpoint.Response r = get(BASE + "/agents/api_key/agent-1");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("Content-Type")).isEqualTo("application/json");
    assertThat(body(r))
        .isEqualTo(
            "{\"id\":\"agent-1\",\"source\":\"api_key\",\"quarantined\":false,\"limits\":[{\"policy\":\"api\","
                + "\"limit\":\"minute\",\"capacity\":5,\"remaining\":3,\"windowSeconds\":60,\"resetSeconds\":24}],"
                + "\"inFlight\":{},\"quarantines\":[],\"reputation\":{},\"budgets\":{}}");
  }

  @Test
  void agentIdsAreEscapedByTheJsonWriter() {
    AdminEndpoint.Response r = get(BASE + "/agents/principal/%22%3C%2Fscript%3E%5C%E2%80%AE");
    assertThat(r.status()).isEqualTo(200);
    assertThat(body(r)).startsWith("{\"id\":\"\\\"</script>\\\\\\u202E\",\"source\":\"principal\"");
  }

  @Test
  void quarantinedListsTheAgentWithItsSourceAndReleaseReleasesIt() {
    quarantine(AGENT);
    AgentIdentity sameIdOtherSource = AgentIdentity.of("agent-1", IdentitySource.JWT);
    assertThat(limiter.admin().quarantine(sameIdOtherSource, Policy.DEFAULT_LANE)).isEmpty();

    AdminEndpoint.Response list = get(BASE + "/quarantined");
    assertThat(body(list))
        .isEqualTo(
            "{\"quarantined\":[{\"id\":\"agent-1\",\"source\":\"api_key\",\"lane\":\"default\",\"policy\":\"api\","
                + "\"remainingSeconds\":60,\"level\":1,\"cause\":\"RATE_LIMITED\"}]}");
    assertThat(body(get(BASE + "/agents/api_key/agent-1"))).contains("\"quarantined\":true");

    AdminEndpoint.Response wrongSource =
        call(admin("POST", BASE + "/agents/jwt/agent-1/release").query("lane=default").build());
    assertThat(body(wrongSource)).isEqualTo("{\"released\":false}");
    AdminEndpoint.Response released =
        call(admin("POST", BASE + "/agents/api_key/agent-1/release").query("lane=default").build());
    assertThat(released.status()).isEqualTo(200);
    assertThat(body(released)).isEqualTo("{\"released\":true}");
    assertThat(body(get(BASE + "/quarantined"))).isEqualTo("{\"quarantined\":[]}");
    assertThat(limiter.admin().quarantined()).isEmpty();
    assertThat(
            body(call(admin("POST", BASE + "/agents/api_key/agent-1/release").query("lane=default").build())))
        .isEqualTo("{\"released\":false}");
    assertThat(
            body(call(admin("POST", BASE + "/agents/api_key/agent-1/release").query("lane=no-such-lane").build())))
        .isEqualTo("{\"released\":false}");
  }

  @Test
  void resetPutsTheTokensBackUnderTheNamedPolicy() {
    quarantine(AGENT); // empties the bucket
    assertThat(limiter.admin().inspect(AGENT, API).get(0).remaining()).isZero();
    AdminEndpoint.Response r = call(admin("POST", BASE + "/agents/api_key/agent-1/reset").query("policy=api").build());
    assertThat(r.status()).isEqualTo(200);
    assertThat(body(r))
        .isEqualTo(
            "{\"reset\":true,\"policy\":\"api\",\"limits\":[{\"policy\":\"api\",\"limit\":\"minute\",\"capacity\":5,"
                + "\"remaining\":5,\"windowSeconds\":60,\"resetSeconds\":0}]}");
    assertThat(limiter.admin().inspect(AGENT, API).get(0).remaining()).isEqualTo(5);
    assertThat(limiter.admin().quarantined()).as("a reset is not a release").hasSize(1);
  }

  @Test
  void resetOfAnUnknownPolicyIs404AndTheGuardsPolicyIsNotAnAgents() {
    for (String name : new String[] {"nope", AgentLimiters.CREDENTIAL_FAILURES_POLICY}) {
      AdminEndpoint.Response r = call(admin("POST", BASE + "/agents/api_key/agent-1/reset").query("policy=" + name).build());
      assertThat(r.status()).as(name).isEqualTo(404);
      assertThat(body(r)).doesNotContain(name);
    }
  }

  @Test
  void offendersHaveTheirShape() {
    // TopOffenders is a placeholder that keeps nothing until its branch lands: the shape only
    assertThat(body(get(BASE + "/offenders"))).isEqualTo("{\"offenders\":[]}");
  }

  @Test
  void anotherImplementationIsServedWithoutTheGuardAndWithoutReset() {
    AgentLimiter wrapped = new Delegating(limiter);
    AdminEndpoint other = endpoint(wrapped);
    quarantine(AGENT);
    AdminEndpoint.Response list = other.handle(admin("GET", BASE + "/quarantined").build());
    assertSafe(list);
    assertThat(body(list)).startsWith("{\"quarantined\":[{\"id\":\"agent-1\",\"lane\":\"default\"");
    AdminEndpoint.Response reset =
        other.handle(admin("POST", BASE + "/agents/api_key/agent-1/reset").query("policy=api").build());
    assertSafe(reset);
    assertThat(reset.status()).isEqualTo(501);
    AdminEndpoint.Response wrong =
        other.handle(HttpRequestStub.get(BASE + "/quarantined").header("Authorization", "Bearer nope-nope-nope-nope-1").build());
    assertSafe(wrong);
    assertThat(wrong.status()).isEqualTo(401);
  }

  @Test
  void theResponseIsImmutable() {
    AdminEndpoint.Response r = get(BASE + "/quarantined");
    r.body()[0] = 'x';
    assertThat(body(r)).startsWith("{");
    assertThatThrownBy(() -> r.headers().clear()).isInstanceOf(UnsupportedOperationException.class);
  }

  /** Three refusals of {@link #API} after its five tokens: the box holds the agent in the default lane. */
  private void quarantine(AgentIdentity agent) {
    for (int i = 0; i < 8; i++) {
      limiter.decide(AgentRequest.of(agent, API));
    }
    assertThat(limiter.admin().quarantine(agent, Policy.DEFAULT_LANE)).isPresent();
  }

  /** An {@link AgentLimiter} that is not the core's own. */
  private static final class Delegating implements AgentLimiter {
    private final AgentLimiter inner;

    Delegating(AgentLimiter inner) {
      this.inner = inner;
    }

    @Override
    public Decision decide(AgentRequest request) {
      return inner.decide(request);
    }

    @Override
    public Admission enter(AgentRequest request) {
      return inner.enter(request);
    }

    @Override
    public Admission admit(RequestView request, Route route) {
      return inner.admit(request, route);
    }

    @Override
    public void report(AgentIdentity agent, Policy policy, Outcome outcome) {
      inner.report(agent, policy, outcome);
    }

    @Override
    public boolean tryAcquire(AgentIdentity agent, Policy policy) {
      return inner.tryAcquire(agent, policy);
    }

    @Override
    public LimiterAdmin admin() {
      return inner.admin();
    }

    @Override
    public String toString() {
      return "Delegating[" + inner + "]";
    }
  }
}
