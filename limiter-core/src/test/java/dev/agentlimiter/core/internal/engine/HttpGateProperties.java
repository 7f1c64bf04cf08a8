package dev.agentlimiter.core.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.Admission;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.AgentLimiters;
import dev.agentlimiter.core.FakeTimeSource;
import dev.agentlimiter.core.HttpRequestStub;
import dev.agentlimiter.core.identity.IdentityResolvers;
import dev.agentlimiter.core.identity.InMemoryApiKeyStore;
import java.time.Duration;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Fuzzing the whole HTTP entry: any Authorization, Forwarded, X-Forwarded-For and X-Real-IP values from any
 * peer. Invariants: nothing throws; the decision is one of the reasons this route can give; an identity is
 * either the key's agent (only for the exact key) or the client address; and with no trusted proxy, no
 * forwarding header changes the client address.
 */
class HttpGateProperties {

  private static final String KEY = "ak_live_4f9c2e7b1a8d6053c9e1";
  private static final AgentIdentity AGENT = AgentIdentity.of("agent-7", IdentitySource.API_KEY);
  private static final Policy API =
      Policy.named("api").limit(Limit.capacity(1_000_000).refill(1).per(Duration.ofSeconds(1)).named("all")).build();

  private static AgentLimiter limiter(String... trusted) {
    InMemoryApiKeyStore keys = InMemoryApiKeyStore.create().add(KEY, AGENT);
    AgentLimiters.Builder builder =
        AgentLimiters.newBuilder()
            .timeSource(new FakeTimeSource())
            .identity(IdentityResolvers.apiKeys(keys))
            .credentialFailureLimit(Limit.capacity(1_000_000).refill(1).per(Duration.ofSeconds(1)));
    if (trusted.length > 0) {
      builder.trustedProxies(trusted);
    }
    return builder.build();
  }

  private static final AgentLimiter UNTRUSTING = limiter();
  private static final AgentLimiter TRUSTING = limiter("10.0.0.0/8", "2001:db8::/32");
  private static final Route OPEN = Route.builder().policy(API).allowAnonymous().build();

  @Provide
  Arbitrary<String> headerValues() {
    Arbitrary<String> anything = Arbitraries.strings().ofMaxLength(200);
    Arbitrary<String> ascii = Arbitraries.strings().ascii().ofMaxLength(120);
    Arbitrary<String> addresses =
        Arbitraries.of(
            "192.0.2.1", "10.0.0.7", "[2001:db8::1]:443", "2001:db8:1::9", "unknown", "_hidden", "256.1.1.1",
            "::ffff:10.0.0.1", "1.2.3.4:99999", "\"[::1]\"", "", " ", ",", "for=", "for=\"", "0x7f.1", "127.1");
    Arbitrary<String> lists =
        addresses.list().ofMaxSize(70).map(l -> String.join(Arbitraries.of(", ", ",", " , ").sample(), l));
    Arbitrary<String> forwarded = addresses.list().ofMaxSize(10).map(l -> "for=" + String.join(", for=", l));
    Arbitrary<String> bearer = anything.map(s -> "Bearer " + s);
    return Arbitraries.oneOf(anything, ascii, lists, forwarded, bearer, Arbitraries.just("Bearer " + KEY));
  }

  @Provide
  Arbitrary<String> peers() {
    return Arbitraries.oneOf(
        Arbitraries.of("192.0.2.1", "10.0.0.5", "2001:db8::7", "203.0.113.50", "unix:/tmp/socket", "", "::1"),
        Arbitraries.strings().ofMaxLength(300));
  }

  @Provide
  Arbitrary<String[]> requests() {
    return Combinators.combine(peers(), headerValues(), headerValues(), headerValues(), headerValues())
        .as((peer, auth, xff, fwd, real) -> new String[] {peer, auth, xff, fwd, real});
  }

  @Property(tries = 2_000)
  void theEntryNeverThrowsAndIdentifiesOnlyByKeyOrAddress(@ForAll("requests") String[] r) {
    for (AgentLimiter limiter : new AgentLimiter[] {UNTRUSTING, TRUSTING}) {
      HttpRequestStub.Builder request = HttpRequestStub.get("/").peer(r[0]);
      request.header("Authorization", r[1]).header("X-Forwarded-For", r[2]).header("Forwarded", r[3]).header("X-Real-IP", r[4]);
      try (Admission a = limiter.admit(request.build(), OPEN)) {
        Reason reason = a.decision().reason();
        assertThat(reason).isIn(Reason.ALLOWED, Reason.UNAUTHENTICATED);
        Optional<AgentIdentity> agent = a.agent();
        if (reason == Reason.ALLOWED) {
          AgentIdentity who = agent.orElseThrow();
          if (who.source() == IdentitySource.API_KEY) {
            assertThat(r[1]).isEqualTo("Bearer " + KEY);
            assertThat(who).isEqualTo(AGENT);
          } else {
            assertThat(who.id()).startsWith("ip:");
            assertThat(who.tier()).isEqualTo(Route.ANONYMOUS_TIER);
          }
        } else {
          assertThat(agent).isEmpty();
          assertThat(a.decision().detail()).contains("a valid credential is required");
        }
      }
    }
  }

  /** With no trusted proxy, the client address is the socket's, whatever the headers say. */
  @Property(tries = 1_000)
  void forwardingHeadersFromAnUntrustedPeerNeverChangeTheAddress(@ForAll("requests") String[] r) {
    HttpRequestStub bare = HttpRequestStub.get("/").peer(r[0]).build();
    HttpRequestStub spoofed =
        HttpRequestStub.get("/").peer(r[0]).header("X-Forwarded-For", r[2]).header("Forwarded", r[3]).header("X-Real-IP", r[4]).build();
    try (Admission a = UNTRUSTING.admit(bare, OPEN);
        Admission b = UNTRUSTING.admit(spoofed, OPEN)) {
      assertThat(b.agent().map(AgentIdentity::id)).isEqualTo(a.agent().map(AgentIdentity::id));
    }
    // and the same for a peer outside the trusted blocks of a trusting limiter
    if (!r[0].startsWith("10.") && !r[0].startsWith("2001:db8")) {
      try (Admission a = TRUSTING.admit(bare, OPEN);
          Admission b = TRUSTING.admit(spoofed, OPEN)) {
        assertThat(b.agent().map(AgentIdentity::id)).isEqualTo(a.agent().map(AgentIdentity::id));
      }
    }
  }

}
