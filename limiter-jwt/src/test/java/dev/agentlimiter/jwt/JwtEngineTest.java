package dev.agentlimiter.jwt;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import dev.agentlimiter.api.Admission;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.api.RequestView;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.AgentLimiters;
import java.security.Principal;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The JWT resolver inside the engine: forged, expired and misdirected tokens that all claim the victim's
 * subject get 401s and create no state for the victim, whose own valid token then finds a full bucket.
 */
class JwtEngineTest {

  private static final Policy API =
      Policy.named("api").limit(Limit.capacity(5).refill(5).per(Duration.ofMinutes(1)).named("minute")).build();

  @Test
  void rejectedTokensCreateNoStateForTheSubjectTheyClaim() {
    MutableClock clock = new MutableClock(Keys.NOW);
    JwtIdentityResolver jwt =
        JwtIdentityResolver.newBuilder()
            .issuer(Keys.ISSUER)
            .audience(Keys.AUDIENCE)
            .allowedAlgorithms("RS256", "ES256")
            .keys(Keys.publicSet(Keys.RSA, Keys.EC))
            .verifiedTokenCache(1_000)
            .clock(clock)
            .build();
    AgentLimiter limiter = AgentLimiters.newBuilder().identity(jwt).build();
    Route route = Route.of(API);
    UnaryOperator<JWTClaimsSet.Builder> victim = c -> c.subject("victim");
    List<String> forged =
        List.of(
            Keys.sign(Keys.RSA_2, com.nimbusds.jose.JWSAlgorithm.RS256, victim.apply(Keys.claims()).build()),
            Keys.rs256(c -> victim.apply(c).expirationTime(Date.from(Keys.NOW.minusSeconds(3600)))),
            Keys.rs256(c -> victim.apply(c).audience("another-api")),
            Keys.rs256(c -> victim.apply(c).issuer("https://evil.example")),
            Keys.rs256(c -> victim.apply(c).expirationTime(null)),
            tampered(Keys.rs256(victim)),
            new PlainJWT(victim.apply(Keys.claims()).build()).serialize());
    int peer = 0;
    for (int round = 0; round < 100; round++) {
      for (String token : forged) {
        Decision d = decide(limiter, new Request("198.51.100." + (peer++ % 200), token), route);
        assertThat(d.reason()).as(token).isEqualTo(Reason.UNAUTHENTICATED);
        assertThat(d.detail()).contains("a valid credential is required");
      }
    }
    // 700 failures from 200 addresses: state for the addresses only, and none in the resolver's cache
    assertThat(limiter.admin().trackedAgents()).isEqualTo(200);
    assertThat(jwt.verifiedTokenCacheSize()).isZero();
    AgentIdentity claimed = AgentIdentity.of("victim", IdentitySource.JWT);
    assertThat(limiter.admin().inspect(claimed, API).get(0).remaining()).isEqualTo(5);
    try (Admission a = limiter.admit(new Request("203.0.113.1", Keys.rs256(victim)), route)) {
      assertThat(a.decision().isAllowed()).isTrue();
      assertThat(a.agent().map(AgentIdentity::id)).contains("victim");
      assertThat(a.decision().remaining()).isEqualTo(4);
    }
  }

  private static String tampered(String token) {
    int dot = token.indexOf('.');
    String payload = token.substring(dot + 1, token.indexOf('.', dot + 1));
    char last = payload.charAt(2);
    String changed = payload.substring(0, 2) + (last == 'A' ? 'B' : 'A') + payload.substring(3);
    return token.replace(payload, changed);
  }

  private static Decision decide(AgentLimiter limiter, RequestView request, Route route) {
    try (Admission a = limiter.admit(request, route)) {
      return a.decision();
    }
  }

  /** A request from a peer carrying a bearer token. */
  private record Request(String peer, String token) implements RequestView {
    @Override
    public String method() {
      return "GET";
    }

    @Override
    public String path() {
      return "/v1/orders";
    }

    @Override
    public @Nullable String header(String name) {
      return name.toLowerCase(Locale.ROOT).equals("authorization") ? "Bearer " + token : null;
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
      return Optional.empty();
    }
  }
}
