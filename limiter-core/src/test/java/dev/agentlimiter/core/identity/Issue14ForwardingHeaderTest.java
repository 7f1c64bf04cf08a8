package dev.agentlimiter.core.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentlimiter.api.Admission;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.IdentityResolver;
import dev.agentlimiter.api.IdentityResult;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.AgentLimiters;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, item 4: a client chose which forwarding header was read. With 127.0.0.1 trusted, a proxy that
 * appends only {@code X-Forwarded-For} passed the client's own {@code Forwarded: for=<random>} through, it
 * ranked higher and was read instead, so 200 requests made 200 keys; the same with a proxy that sets {@code
 * X-Real-IP} and a client-sent {@code X-Forwarded-For}. Now exactly the configured header is read.
 */
class Issue14ForwardingHeaderTest {

  private static final String PROXY = "127.0.0.1";
  private static final String CLIENT = "203.0.113.7";

  private static String key(IdentityResolver resolver, FakeRequest request) {
    IdentityResult result = resolver.resolve(request);
    assertThat(result).isInstanceOf(IdentityResult.Identified.class);
    return ((IdentityResult.Identified) result).identity().id();
  }

  @Test
  void aClientSentForwardedBehindAnXffAppendingProxyIsIgnored() {
    IdentityResolver resolver = IdentityResolvers.clientAddress(List.of(PROXY)); // X-Forwarded-For, the default
    Set<String> keys = new LinkedHashSet<>();
    for (int i = 0; i < 200; i++) {
      FakeRequest request =
          new FakeRequest(PROXY)
              .header("Forwarded", "for=198.51." + (i / 250) + "." + (i % 250)) // the client's, passed through
              .header("X-Forwarded-For", CLIENT); // what nginx's $proxy_add_x_forwarded_for appended
      keys.add(key(resolver, request));
    }
    assertThat(keys).containsExactly("ip:" + CLIENT);
  }

  @Test
  void aClientSentXffBehindAnXRealIpSettingProxyIsIgnored() {
    IdentityResolver resolver =
        IdentityResolvers.clientAddress(List.of(PROXY), ForwardedHeader.X_REAL_IP, 64);
    Set<String> keys = new LinkedHashSet<>();
    for (int i = 0; i < 200; i++) {
      FakeRequest request =
          new FakeRequest(PROXY)
              .header("X-Forwarded-For", "198.51." + (i / 250) + "." + (i % 250)) // the client's
              .header("Forwarded", "for=192.0.2." + (i % 250)) // the client's too
              .header("X-Real-IP", CLIENT); // proxy_set_header X-Real-IP $remote_addr
      keys.add(key(resolver, request));
    }
    assertThat(keys).containsExactly("ip:" + CLIENT);
  }

  @Test
  void forwardedIsReadOnlyWhenConfiguredAndThenXffIsIgnored() {
    IdentityResolver resolver =
        IdentityResolvers.clientAddress(List.of(PROXY), ForwardedHeader.FORWARDED, 64);
    FakeRequest request =
        new FakeRequest(PROXY)
            .header("X-Forwarded-For", "198.51.100.1")
            .header("X-Real-IP", "198.51.100.2")
            .header("Forwarded", "for=6.6.6.6, for=" + CLIENT + ";proto=https");
    assertThat(key(resolver, request)).isEqualTo("ip:" + CLIENT);
  }

  /** With the configured header absent, the others are still ignored: the trusted proxy is the client. */
  @Test
  void withTheConfiguredHeaderAbsentThePeerIsTheClient() {
    FakeRequest request =
        new FakeRequest(PROXY)
            .header("Forwarded", "for=198.51.100.1")
            .header("X-Real-IP", "198.51.100.2");
    assertThat(key(IdentityResolvers.clientAddress(List.of(PROXY)), request)).isEqualTo("ip:" + PROXY);
    FakeRequest noRealIp =
        new FakeRequest(PROXY).header("Forwarded", "for=198.51.100.1").header("X-Forwarded-For", "198.51.100.3");
    assertThat(key(IdentityResolvers.clientAddress(List.of(PROXY), ForwardedHeader.X_REAL_IP, 64), noRealIp))
        .isEqualTo("ip:" + PROXY);
  }

  /** Through the builder and the engine: 200 requests are charged to one address key. */
  @Test
  void theLimiterChargesTheRealClient() {
    Route open =
        Route.builder()
            .policy(Policy.named("open").limit(Limit.capacity(100).refill(1).per(Duration.ofHours(1))).build())
            .allowAnonymous()
            .build();
    for (ForwardedHeader header : ForwardedHeader.values()) {
      AgentLimiter limiter = AgentLimiters.newBuilder().trustedProxies(PROXY).forwardedHeader(header).build();
      Set<String> agents = new LinkedHashSet<>();
      int allowed = 0;
      for (int i = 0; i < 200; i++) {
        String spoof = "198.51." + (i / 250) + "." + (i % 250);
        FakeRequest request = new FakeRequest(PROXY);
        for (ForwardedHeader other : ForwardedHeader.values()) {
          if (other != header) {
            request.header(other.headerName(), other == ForwardedHeader.FORWARDED ? "for=" + spoof : spoof);
          }
        }
        request.header(header.headerName(), header == ForwardedHeader.FORWARDED ? "for=" + CLIENT : CLIENT);
        try (Admission a = limiter.admit(request, open)) {
          a.agent().map(AgentIdentity::id).ifPresent(agents::add);
          allowed += a.decision().isAllowed() ? 1 : 0;
        }
      }
      assertThat(agents).as(header.name()).containsExactly("ip:" + CLIENT);
      assertThat(allowed).as(header.name()).isEqualTo(100);
    }
  }

  @Test
  void theOptionIsSetOnceAndNeedsTrustedProxies() {
    assertThatThrownBy(
            () -> AgentLimiters.newBuilder()
                .forwardedHeader(ForwardedHeader.FORWARDED)
                .forwardedHeader(ForwardedHeader.X_REAL_IP))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("forwardedHeader was already set to FORWARDED");
    assertThatThrownBy(() -> AgentLimiters.newBuilder().forwardedHeader(ForwardedHeader.X_REAL_IP).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "forwardedHeader was set to X_REAL_IP but trustedProxies lists no proxy, so the header would never"
                + " be read");
    assertThatThrownBy(
            () -> AgentLimiters.newBuilder().trustedProxies().forwardedHeader(ForwardedHeader.FORWARDED).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("forwardedHeader was set to FORWARDED");
    assertThat(ForwardedHeader.X_FORWARDED_FOR.headerName()).isEqualTo("X-Forwarded-For");
    assertThat(ForwardedHeader.FORWARDED.headerName()).isEqualTo("Forwarded");
    assertThat(ForwardedHeader.X_REAL_IP.headerName()).isEqualTo("X-Real-IP");
  }
}
