package dev.agentlimiter.core.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.Admission;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Outcome;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.api.RequestRules;
import dev.agentlimiter.api.RequestView;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.AgentLimiters;
import dev.agentlimiter.core.identity.ForwardedHeader;
import dev.agentlimiter.core.identity.IdentityResolvers;
import dev.agentlimiter.core.identity.IdentityResolvers.CertificateName;
import dev.agentlimiter.core.identity.InMemoryApiKeyStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Principal;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** The examples of docs/identity.md, compiled and run; the doc must contain the regions verbatim. */
class IdentityDocTest {

  static final String FREE_KEY = "ak_live_4f9c2e7b1a8d6053c9e1";

  // tag::limiter[]
  Policy api = Policy.named("api")
      .limit(Limit.capacity(60).refill(60).per(Duration.ofMinutes(1)))       // free: 60 a minute
      .build();
  Policy apiPro = Policy.named("api-pro")
      .limit(Limit.capacity(600).refill(600).per(Duration.ofMinutes(1)))     // pro: 600 a minute
      .build();
  Policy apiAnonymous = Policy.named("api-anonymous")
      .limit(Limit.capacity(10).refill(10).per(Duration.ofMinutes(1)))       // per client address
      .build();

  InMemoryApiKeyStore keys = InMemoryApiKeyStore.create()
      .add(FREE_KEY, new AgentIdentity("agent-7", "free", Set.of("dns:read"), IdentitySource.API_KEY));

  AgentLimiter limiter = AgentLimiters.newBuilder()
      .identity(
          IdentityResolvers.principal(),                                     // container-authenticated
          IdentityResolvers.apiKeys(keys),                                   // Authorization: Bearer <key>
          IdentityResolvers.clientCertificate(CertificateName.SAN_URI))      // mTLS, e.g. a SPIFFE id
      .trustedProxies("10.0.0.0/8")                                          // your load balancers only
      .forwardedHeader(ForwardedHeader.X_FORWARDED_FOR)                      // the one header they write
      .tierOverride("pro", api, apiPro)
      .tierOverride(Route.ANONYMOUS_TIER, api, apiAnonymous)
      .build();
  // end::limiter[]

  // tag::route[]
  Route updateRecord = Route.builder()
      .policy(api)
      .requireScope("dns:write")                                             // else 403, naming the scope
      .rules(RequestRules.builder()
          .requireHeader("X-Task-Id")
          .allowContentType("application/json")
          .maxBodyBytes(64 * 1024)                                           // enforced while streaming
          .json()                                                            // depth, sizes, duplicate keys
          .build())
      .build();

  Route listZones = Route.builder()
      .policy(api)
      .allowAnonymous()                                                      // keyed on the client address
      .build();
  // end::route[]

  int handle(RequestView request, Route route) throws IOException {
    // tag::enter[]
    try (Admission admission = limiter.admit(request, route)) {
      Decision decision = admission.decision();
      if (!decision.isAllowed()) {
        return statusFor(decision);                                          // 400/401/403/413/415/429
      }
      InputStream body = admission.replayBody().orElse(request.body());      // the engine may have read it
      int status = application(admission.agent().orElseThrow(), body);
      admission.complete(Outcome.ofStatus(status));
      return status;
    }
    // end::enter[]
  }

  static int statusFor(Decision decision) {
    String cause = decision.cause().orElse("");
    return switch (decision.reason()) {
      case UNAUTHENTICATED -> 401;
      case FORBIDDEN -> 403;
      case INVALID_REQUEST ->
          cause.equals(Decision.CAUSE_BODY_TOO_LARGE)
              ? 413
              : cause.equals(Decision.CAUSE_UNSUPPORTED_CONTENT_TYPE) ? 415 : 400;
      default -> 429;
    };
  }

  private static int application(AgentIdentity agent, InputStream body) throws IOException {
    return body.readAllBytes().length > 0 && !agent.id().isEmpty() ? 200 : 204;
  }

  @Test
  void theExamplesBehaveAsTheDocSays() throws IOException {
    byte[] json = "{\"name\":\"www\",\"ttl\":300}".getBytes(StandardCharsets.UTF_8);
    Map<String, String> headers =
        Map.of("authorization", "Bearer " + FREE_KEY, "content-type", "application/json", "x-task-id", "t-1");
    // agent-7 holds dns:read only
    assertThat(handle(new Request("POST", "192.0.2.7", headers, json, null), updateRecord)).isEqualTo(403);
    assertThat(handle(new Request("GET", "192.0.2.7", headers, new byte[0], null), listZones)).isEqualTo(204);
    assertThat(handle(new Request("GET", "192.0.2.8", Map.of(), new byte[0], null), listZones)).isEqualTo(204);
    assertThat(handle(new Request("GET", "192.0.2.8", Map.of("authorization", "Bearer nope-nope-nope-nope-nope"), new byte[0], null), listZones))
        .isEqualTo(401);
    // a container principal with the scope, and bodies that break the rules
    Request good = new Request("POST", "192.0.2.9", headers, json, "alice");
    AgentLimiter scoped =
        AgentLimiters.newBuilder()
            .identity(IdentityResolvers.principal(p -> new AgentIdentity(p.getName(), "pro", Set.of("dns:write"), IdentitySource.PRINCIPAL)))
            .build();
    try (Admission a = scoped.admit(good, updateRecord)) {
      assertThat(a.decision().isAllowed()).isTrue();
      assertThat(a.replayBody().orElseThrow().readAllBytes()).isEqualTo(json);
    }
    byte[] duplicate = "{\"ttl\":1,\"ttl\":2}".getBytes(StandardCharsets.UTF_8);
    try (Admission a = scoped.admit(new Request("POST", "192.0.2.9", headers, duplicate, "alice"), updateRecord)) {
      assertThat(a.decision().reason()).isEqualTo(Reason.INVALID_REQUEST);
      assertThat(a.decision().cause()).contains("malformed-json.duplicate-key");
    }
  }

  @Test
  void theDocShowsTheCompiledExamples() throws IOException {
    String source =
        Files.readString(
            Path.of("src/test/java/dev/agentlimiter/core/example/IdentityDocTest.java"), StandardCharsets.UTF_8);
    String doc = Files.readString(Path.of("../docs/identity.md"), StandardCharsets.UTF_8);
    String readme = Files.readString(Path.of("../README.md"), StandardCharsets.UTF_8);
    for (String tag : new String[] {"limiter", "route", "enter"}) {
      Matcher m =
          Pattern.compile("// tag::" + tag + "\\[]\\n(.*?)\\n\\s*// end::" + tag + "\\[]", Pattern.DOTALL)
              .matcher(source);
      assertThat(m.find()).isTrue();
      String region = m.group(1).stripIndent();
      assertThat(doc).as("docs/identity.md region %s", tag).contains(region);
      // the README shows the limiter's builder and the first route
      if (tag.equals("limiter")) {
        assertThat(readme).as("README.md limiter").contains(region.substring(region.indexOf("AgentLimiter limiter")));
      } else if (tag.equals("route")) {
        assertThat(readme).as("README.md route").contains(region.substring(0, region.indexOf("\n\nRoute listZones")));
      }
    }
  }

  /** The smallest request view: what an adapter hands the engine. */
  static final class Request implements RequestView {
    private final String method;
    private final String peer;
    private final Map<String, String> headerMap;
    private final byte[] bytes;
    private final @Nullable String user;

    Request(String method, String peer, Map<String, String> headerMap, byte[] bytes, @Nullable String user) {
      this.method = method;
      this.peer = peer;
      this.headerMap = headerMap;
      this.bytes = bytes;
      this.user = user;
    }

    @Override
    public String method() {
      return method;
    }

    @Override
    public String path() {
      return "/v1/zones";
    }

    @Override
    public @Nullable String header(String name) {
      return headerMap.get(name.toLowerCase(Locale.ROOT));
    }

    @Override
    public List<String> headers(String name) {
      String value = header(name);
      return value == null ? List.of() : List.of(value);
    }

    @Override
    public String remoteAddress() {
      return peer;
    }

    @Override
    public Optional<Principal> principal() {
      String name = user;
      return name == null ? Optional.empty() : Optional.of(() -> name);
    }

    @Override
    public InputStream body() {
      return new ByteArrayInputStream(bytes);
    }
  }
}
