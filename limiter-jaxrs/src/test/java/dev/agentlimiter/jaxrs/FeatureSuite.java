package dev.agentlimiter.jaxrs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.ConcurrencyLimit;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Outcome;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.RequestRules;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.AgentLimiters;
import dev.agentlimiter.core.identity.IdentityResolvers;
import dev.agentlimiter.core.identity.InMemoryApiKeyStore;
import dev.agentlimiter.servlet.AgentLimiterFilter;
import dev.agentlimiter.servlet.contract.RecordingLimiter;
import dev.agentlimiter.servlet.contract.RunningServer;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The feature's own cases, beyond the shared HTTP contract, over real HTTP against a real implementation:
 * annotation discovery (class, method, repeated, interface, sub-resource locator), methods without
 * annotations left alone, the {@code SecurityContext} principal as the agent, every way a request can end
 * (async, {@code CompletionStage}, exceptions no mapper handles, a mapper or response filter that throws, a
 * later filter that aborts) leaving no permit behind, and refusals that are byte for byte the servlet
 * filter's whatever the application's exception mappers. An implementation's test extends this and starts
 * its server in {@link #start}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class FeatureSuite {

  static final Policy CONC =
      Policy.named("conc")
          .limit(Limit.capacity(1000).refill(1000).per(Duration.ofMinutes(1)).named("minute"))
          .concurrency(ConcurrencyLimit.of(10))
          .build();
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final InMemoryApiKeyStore keys = InMemoryApiKeyStore.create();
  private final Map<String, AgentIdentity> agents = new LinkedHashMap<>();
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final List<RunningServer> servers = new ArrayList<>();

  private @Nullable AgentLimiterFeature annotated;
  private @Nullable CountingLimiter counting;
  private @Nullable RecordingLimiter recording;
  private @Nullable RecordingLimiter endingsLimiter;
  private FeatureResources.@Nullable Endings endings;
  private @Nullable RunningServer annotatedServer;
  private @Nullable RunningServer endingsServer;

  /** Starts a server on 127.0.0.1, an ephemeral port, with these resources and providers (instances). */
  protected abstract RunningServer start(List<?> components) throws Exception;

  @BeforeAll
  void startServers() throws Exception {
    RecordingLimiter r = RecordingLimiter.of(engine());
    CountingLimiter c = new CountingLimiter(r);
    AgentLimiterFeature feature = AgentLimiterFeature.builder(c).build();
    recording = r;
    counting = c;
    annotated = feature;
    annotatedServer =
        track(
            start(
                List.of(
                    feature, new FeatureResources.HeaderAuthentication(), new FeatureResources.Unannotated(),
                    new FeatureResources.ClassLevel(), new FeatureResources.Repeated(),
                    new FeatureResources.ContractedImpl(), new FeatureResources.TypedImpl(),
                    new FeatureResources.Locator(), new FeatureResources.Me())));

    RecordingLimiter e = RecordingLimiter.of(engine());
    FeatureResources.Endings resource = new FeatureResources.Endings(executor);
    endingsLimiter = e;
    endings = resource;
    endingsServer =
        track(
            start(
                List.of(
                    AgentLimiterFeature.builder(e).route("/conc/*", Route.of(CONC)).build(), resource,
                    new FeatureResources.BombMapper(), new FeatureResources.ThrowingResponseFilter(),
                    new FeatureResources.LateAbort())));
  }

  @AfterAll
  void stopServers() {
    for (RunningServer s : servers) {
      s.stop();
    }
    executor.shutdownNow();
  }

  private RunningServer track(RunningServer server) {
    servers.add(server);
    return server;
  }

  private AgentLimiter engine() {
    return AgentLimiters.newBuilder().identity(IdentityResolvers.principal(), IdentityResolvers.apiKeys(keys)).build();
  }

  private String key(String name, String... scopes) {
    String key = "ak_" + name + "_0123456789abcdef";
    synchronized (agents) {
      if (!agents.containsKey(name)) {
        AgentIdentity identity = new AgentIdentity("agent-" + name, "default", Set.of(scopes), IdentitySource.API_KEY);
        keys.add(key, identity);
        agents.put(name, identity);
      }
    }
    return key;
  }

  private AgentIdentity agent(String name) {
    synchronized (agents) {
      return Objects.requireNonNull(agents.get(name), name);
    }
  }

  private static <T> T present(@Nullable T value) {
    return Objects.requireNonNull(value, "started in @BeforeAll");
  }

  // ---------------------------------------------------------------- HTTP

  private HttpRequest.Builder request(RunningServer server, String path, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUri() + path)).timeout(TIMEOUT);
    if (headers.length > 0) {
      b.headers(headers);
    }
    return b;
  }

  private HttpResponse<String> get(RunningServer server, String path, String... headers)
      throws IOException, InterruptedException {
    return http.send(request(server, path, headers).GET().build(), BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private HttpResponse<String> get(String path, String... headers) throws IOException, InterruptedException {
    return get(present(annotatedServer), path, headers);
  }

  private static String[] bearer(String key) {
    return new String[] {"Authorization", "Bearer " + key};
  }

  private static void assertUntouched(HttpResponse<String> response, String body) {
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo(body);
    assertThat(response.headers().map().keySet())
        .noneMatch(h -> h.equalsIgnoreCase("RateLimit") || h.equalsIgnoreCase("RateLimit-Policy")
            || h.equalsIgnoreCase("WWW-Authenticate"));
  }

  private static String violated(HttpResponse<String> response) {
    assertThat(response.headers().allValues("Content-Type")).containsExactly("application/problem+json");
    return response.body().replaceAll(".*\"violated-policies\":\\[([^]]*)].*", "$1");
  }

  // ---------------------------------------------------------------- annotation discovery

  @Test
  void methodsWithoutAnnotationsAreNeverBoundAndNeverEntered() throws Exception {
    assertThat(get("/locator/sub", bearer(key("warm"))).statusCode()).isEqualTo(200); // deploys the sub-resource
    for (int i = 0; i < 3; i++) {
      assertUntouched(get("/plain"), "plain");
      assertUntouched(get("/repeated/free", bearer("ak_nobody_0123456789abcdef")), "free");
      assertUntouched(get("/impl/free"), "free");
      assertUntouched(get("/locator/free"), "freesub");
    }
    CountingLimiter c = present(counting);
    for (String path : List.of("/plain", "/repeated/free", "/impl/free", "/locator/free")) {
      assertThat(c.enters(path)).as("enter() calls for %s", path).isZero();
    }
    assertThat(present(annotated).boundMethods())
        .containsExactlyInAnyOrder(
            "ClassLevel.get", "ClassLevel.other", "Repeated.get", "ContractedImpl.limited", "TypedImpl.get",
            "Me.get", "Me.scoped", "Sub.get");
  }

  @Test
  void classAnnotationsLimitEveryMethodOfTheClassWithOnePolicy() throws Exception {
    String key = key("cls");
    HttpResponse<String> first = get("/cls", bearer(key));
    HttpResponse<String> second = get("/cls/other", bearer(key));
    HttpResponse<String> third = get("/cls", bearer(key));
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.headers().allValues("RateLimit-Policy")).containsExactly("\"c\";q=2;w=3600");
    assertThat(first.headers().allValues("RateLimit").get(0)).startsWith("\"c\";r=1;");
    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(second.body()).isEqualTo("other");
    assertThat(second.headers().allValues("RateLimit").get(0)).startsWith("\"c\";r=0;");
    assertThat(third.statusCode()).isEqualTo(429);
    assertThat(violated(third)).isEqualTo("\"ClassLevel\"");
  }

  @Test
  void repeatedAnnotationsAreSeveralLimitsOfOnePolicy() throws Exception {
    String key = key("repeated");
    HttpResponse<String> ok = get("/repeated", bearer(key));
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.headers().allValues("RateLimit-Policy")).containsExactly("\"burst\";q=2;w=1, \"hourly\";q=5;w=3600");
    assertThat(ok.headers().allValues("RateLimit").get(0)).matches("\"burst\";r=1;t=[0-9]+, \"hourly\";r=4;t=[0-9]+");
    get("/repeated", bearer(key));
    HttpResponse<String> refused = get("/repeated", bearer(key));
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(violated(refused)).isEqualTo("\"Repeated.get\"");
  }

  @Test
  void annotationsOnAnInterfaceMethodApplyToItsImplementation() throws Exception {
    String key = key("iface");
    HttpResponse<String> ok = get("/impl/limited", bearer(key));
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.body()).isEqualTo("limited");
    assertThat(ok.headers().allValues("RateLimit-Policy")).containsExactly("\"iface\";q=1;w=3600");
    HttpResponse<String> refused = get("/impl/limited", bearer(key));
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(violated(refused)).isEqualTo("\"ContractedImpl.limited\"");
    assertThat(get("/impl/limited").statusCode()).as("identity required").isEqualTo(401);
  }

  @Test
  void annotationsOnAnInterfaceApplyToItsImplementations() throws Exception {
    String key = key("typed");
    HttpResponse<String> ok = get("/typed", bearer(key));
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.headers().allValues("RateLimit-Policy")).containsExactly("\"typed\";q=1;w=3600");
    HttpResponse<String> refused = get("/typed", bearer(key));
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(violated(refused)).isEqualTo("\"TypedImpl\"");
  }

  @Test
  void subResourcesReturnedByALocatorAreLimitedByTheirOwnAnnotations() throws Exception {
    String key = key("sub");
    HttpResponse<String> ok = get("/locator/sub", bearer(key));
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.body()).isEqualTo("sub");
    assertThat(ok.headers().allValues("RateLimit-Policy")).containsExactly("\"sub\";q=1;w=3600");
    HttpResponse<String> refused = get("/locator/sub", bearer(key));
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(violated(refused)).isEqualTo("\"Sub\"");
  }

  // ---------------------------------------------------------------- authentication

  @Test
  void thePrincipalOfTheApplicationsAuthenticationFilterIsTheAgent() throws Exception {
    RecordingLimiter r = present(recording);
    HttpResponse<String> first = get("/me", "X-User", "alice");
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.body()).isEqualTo("alice");
    assertThat(first.headers().allValues("RateLimit").get(0)).startsWith("\"me\";r=1;");
    assertThat(r.awaitEnded("alice", 1, Duration.ofSeconds(5))).isTrue();
    assertThat(r.lastOutcome("alice")).contains(Outcome.Kind.SUCCESS);
    assertThat(get("/me", "X-User", "bob").headers().allValues("RateLimit").get(0)).as("bob has his own bucket")
        .startsWith("\"me\";r=1;");
    assertThat(get("/me", "X-User", "alice").headers().allValues("RateLimit").get(0)).startsWith("\"me\";r=0;");
    assertThat(get("/me", "X-User", "alice").statusCode()).isEqualTo(429);
    HttpResponse<String> anonymous = get("/me");
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(anonymous.headers().allValues("WWW-Authenticate")).containsExactly("Bearer realm=\"api\"");
    HttpResponse<String> unscoped = get("/me/scoped", "X-User", "alice");
    assertThat(unscoped.statusCode()).isEqualTo(403);
    assertThat(unscoped.body()).contains("\"detail\":\"missing scope 'admin'\"");
  }

  // ---------------------------------------------------------------- every way a request ends

  /** Requests {@code /conc/<path>} as a new agent; the admission must end once, with {@code kind}, leaving no permit. */
  private HttpResponse<String> endsOnce(String path, Outcome.Kind kind) throws Exception {
    String name = "end-" + path;
    String key = key(name);
    RecordingLimiter r = present(endingsLimiter);
    HttpResponse<String> response = get(present(endingsServer), "/conc/" + path, bearer(key));
    assertThat(r.awaitEnded("agent-" + name, 1, Duration.ofSeconds(5))).as("%s ended", path).isTrue();
    assertThat(r.lastOutcome("agent-" + name)).as("outcome of %s", path).contains(kind);
    assertThat(r.admin().inFlight(agent(name), CONC)).as("in flight after %s", path).isZero();
    assertThat(r.awaitEnded("agent-" + name, 1, Duration.ofMillis(200))).as("%s ended twice", path).isFalse();
    return response;
  }

  @Test
  void anAsyncResponseHoldsItsPermitUntilItIsResumed() throws Exception {
    String key = key("end-async-ok");
    FeatureResources.Endings e = present(endings);
    CompletableFuture<HttpResponse<String>> pending =
        http.sendAsync(request(present(endingsServer), "/conc/async-ok", bearer(key)).GET().build(), BodyHandlers.ofString());
    assertThat(e.started.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(present(endingsLimiter).admin().inFlight(agent("end-async-ok"), CONC)).isEqualTo(1);
    e.release.countDown();
    HttpResponse<String> done = pending.get(10, TimeUnit.SECONDS);
    assertThat(done.statusCode()).isEqualTo(200);
    assertThat(done.body()).isEqualTo("async ok");
    assertThat(done.headers().allValues("RateLimit-Policy")).containsExactly("\"minute\";q=1000;w=60");
    assertThat(present(endingsLimiter).awaitEnded("agent-end-async-ok", 1, Duration.ofSeconds(5))).isTrue();
    assertThat(present(endingsLimiter).lastOutcome("agent-end-async-ok")).contains(Outcome.Kind.SUCCESS);
    assertThat(present(endingsLimiter).admin().inFlight(agent("end-async-ok"), CONC)).isZero();
  }

  @Test
  void anAsyncResponseResumedWithAnExceptionEndsAsAFailure() throws Exception {
    assertThat(endsOnce("async-fail", Outcome.Kind.FAILURE).statusCode()).isEqualTo(500);
  }

  @Test
  void anAsyncResponseThatTimesOutEndsAsAFailure() throws Exception {
    HttpResponse<String> timedOut = endsOnce("async-timeout", Outcome.Kind.FAILURE);
    assertThat(timedOut.statusCode()).isEqualTo(503);
    assertThat(timedOut.headers().allValues("RateLimit-Policy")).containsExactly("\"minute\";q=1000;w=60");
  }

  @Test
  void aCompletionStageEndsWhenItCompletes() throws Exception {
    HttpResponse<String> ok = endsOnce("stage-ok", Outcome.Kind.SUCCESS);
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.body()).isEqualTo("stage ok");
  }

  @Test
  void aCompletionStageThatFailsEndsAsAFailure() throws Exception {
    assertThat(endsOnce("stage-fail", Outcome.Kind.FAILURE).statusCode()).isEqualTo(500);
  }

  @Test
  void anExceptionNoMapperHandlesEndsAsAFailure() throws Exception {
    assertThat(endsOnce("unmapped", Outcome.Kind.FAILURE).statusCode()).isEqualTo(500);
  }

  @Test
  void aWebApplicationExceptionEndsWithItsStatus() throws Exception {
    HttpResponse<String> response = endsOnce("wae", Outcome.Kind.FAILURE);
    assertThat(response.statusCode()).isEqualTo(422);
    assertThat(response.headers().allValues("RateLimit-Policy")).containsExactly("\"minute\";q=1000;w=60");
  }

  @Test
  void anExceptionMapperThatThrowsLeavesNoPermit() throws Exception {
    assertThat(endsOnce("mapper-throws", Outcome.Kind.FAILURE).statusCode()).isEqualTo(500);
  }

  /** Our response filter never sees this response: the implementation's end-of-request hook ends it. */
  @Test
  void aResponseFilterThatThrowsLeavesNoPermit() throws Exception {
    assertThat(endsOnce("filter-throws", Outcome.Kind.FAILURE).statusCode()).isEqualTo(500);
  }

  @Test
  void aLaterFilterThatAbortsEndsTheAdmissionWithItsStatus() throws Exception {
    assertThat(endsOnce("abort-later", Outcome.Kind.FAILURE).statusCode()).isEqualTo(409);
  }

  // ---------------------------------------------------------------- the same bytes as the servlet filter

  /**
   * The same routes in front of a servlet and of resources whose application maps every exception to 418:
   * every refusal must be the same status, contract headers and body bytes on both.
   */
  @Test
  void refusalsAreTheServletFiltersBytesWhateverTheExceptionMappers() throws Exception {
    Policy once = Policy.named("once").limit(Limit.capacity(1).refill(1).per(Duration.ofHours(1)).named("hourly")).build();
    Route limited = Route.of(once);
    Route scoped = Route.builder().policy(once).requireScope("dns:write").build();
    Route json =
        Route.builder()
            .policy(once)
            .rules(RequestRules.builder().allowContentType("application/json").maxBodyBytes(16).json().build())
            .build();
    String key = key("parity");
    RunningServer servlet =
        track(
            servletServer(
                AgentLimiterFilter.builder(engine())
                    .route("/p/limited", limited)
                    .route("/p/scoped", scoped)
                    .route("POST", "/p/json", json)
                    .build()));
    RunningServer resources =
        track(
            start(
                List.of(
                    AgentLimiterFeature.builder(engine())
                        .route("/p/limited", limited)
                        .route("/p/scoped", scoped)
                        .route("POST", "/p/json", json)
                        .build(),
                    new FeatureResources.Parity(), new FeatureResources.Teapot(),
                    new FeatureResources.TeapotForWebApplicationExceptions())));
    List<List<String>> statuses = new ArrayList<>();
    for (HttpRequest.Builder r :
        List.of(
            request(servlet, "/p/limited").GET(),
            request(servlet, "/p/limited", bearer("ak_nobody_0123456789abcdef")).GET(),
            request(servlet, "/p/limited", bearer(key)).GET(),
            request(servlet, "/p/limited", bearer(key)).GET(),
            request(servlet, "/p/scoped", bearer(key)).GET(),
            request(servlet, "/p/json", bearer(key)).header("Content-Type", "text/plain").POST(BodyPublishers.ofString("{}")),
            request(servlet, "/p/json", bearer(key)).header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString("{\"a\":1,\"a\":2}")),
            request(servlet, "/p/json", bearer(key)).header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString("[" + "1,".repeat(20) + "1]")))) {
      HttpRequest onServlet = r.build();
      HttpRequest onResources =
          HttpRequest.newBuilder(onServlet, (name, value) -> true)
              .uri(URI.create(resources.baseUri() + onServlet.uri().getPath()))
              .build();
      HttpResponse<byte[]> expected = http.send(onServlet, BodyHandlers.ofByteArray());
      HttpResponse<byte[]> actual = http.send(onResources, BodyHandlers.ofByteArray());
      assertThat(actual.statusCode()).as("status of %s", onServlet).isEqualTo(expected.statusCode());
      for (String h : List.of("Retry-After", "WWW-Authenticate", "RateLimit-Policy", "RateLimit", "Connection")) {
        assertThat(actual.headers().allValues(h)).as("%s of %s", h, onServlet).isEqualTo(expected.headers().allValues(h));
      }
      if (expected.statusCode() != 200) { // the application's own answer may differ; the refusals may not
        assertThat(actual.headers().allValues("Content-Type")).as("Content-Type of %s", onServlet)
            .isEqualTo(expected.headers().allValues("Content-Type"));
        assertThat(new String(actual.body(), StandardCharsets.UTF_8))
            .as("body of %s", onServlet)
            .isEqualTo(new String(expected.body(), StandardCharsets.UTF_8));
      }
      statuses.add(List.of(onServlet.uri().getPath(), Integer.toString(actual.statusCode())));
    }
    assertThat(statuses)
        .extracting(s -> s.get(1))
        .containsExactly("401", "401", "200", "429", "403", "415", "400", "413");
  }

  // ---------------------------------------------------------------- issue 14: path spellings

  /**
   * Issue 14, item 5, on the implementation's own matching: an annotated {@code {id}} template is bound to
   * its method, so whatever spelling the implementation serves with it is limited as the template is. Both
   * Jersey and RESTEasy serve {@code /v1/orders/7/} (a trailing slash) and {@code /v1/orders/7;x=1/} with
   * it: 401 without a key, the template's RateLimit fields with one. The other spellings are no resource
   * there (404) or refused by Jetty (400), and never served.
   */
  @Test
  void anAnnotatedTemplateServesATrailingSlashOnlyWithItsLimits() throws Exception {
    FeatureResources.OrderById orders = new FeatureResources.OrderById();
    RunningServer s = track(start(List.of(AgentLimiterFeature.builder(engine()).build(), orders)));
    for (String path : List.of("/v1/orders/7", "/v1/orders/7/", "/v1/orders/7;x=1/")) {
      assertThat(get(s, path).statusCode()).as(path).isEqualTo(401);
    }
    for (String path : List.of("/v1/orders/7/.", "/v1/orders/7/./", "/v1//orders/7", "/v1/orders/7//", "/v1/orders//7")) {
      assertThat(get(s, path).statusCode()).as(path).isIn(400, 401, 404);
    }
    assertThat(orders.served.get()).as("served without a key").isZero();
    String key = key("template");
    for (int i = 0; i < 2; i++) {
      HttpResponse<String> ok = get(s, "/v1/orders/7/", bearer(key));
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.body()).isEqualTo("order 7");
      assertThat(ok.headers().allValues("RateLimit-Policy")).containsExactly("\"order\";q=100;w=3600");
      assertThat(ok.headers().allValues("RateLimit").get(0)).startsWith("\"order\";r=" + (99 - i) + ";");
    }
    assertThat(orders.served.get()).isEqualTo(2);
  }

  /** The servlet filter in front of a servlet answering {@code ok} on every path, on embedded Jetty. */
  private static RunningServer servletServer(AgentLimiterFilter filter) throws Exception {
    HttpServlet ok =
        new HttpServlet() {
          private static final long serialVersionUID = 1L;

          @Override
          protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.setContentType("text/plain");
            resp.getOutputStream().write("ok".getBytes(StandardCharsets.US_ASCII));
          }
        };
    return Jetty.start(
        ok,
        context -> context.addFilter(new FilterHolder(filter), "/*", EnumSet.of(DispatcherType.REQUEST)),
        () -> {});
  }
}
