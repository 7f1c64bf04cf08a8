package dev.agentlimiter.core.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.IdentityResolver;
import dev.agentlimiter.api.IdentityResult;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.RequestView;
import dev.agentlimiter.core.identity.IdentityResolvers.CertificateName;
import java.io.IOException;
import java.io.InputStream;
import java.security.Principal;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** The resolvers one by one: principal, API-key headers, client certificates, client address. */
class IdentityResolversTest {

  private static final String KEY = "ak_live_4f9c2e7b1a8d6053c9e1";

  @Test
  void principalsAreMappedOrAbstain() {
    IdentityResolver plain = IdentityResolvers.principal();
    assertThat(plain.resolve(new FakeRequest("192.0.2.1"))).isEqualTo(IdentityResult.abstain());
    assertThat(plain.resolve(withPrincipal("alice")))
        .isEqualTo(new IdentityResult.Identified(AgentIdentity.of("alice", IdentitySource.PRINCIPAL)));
    IdentityResolver mapped =
        IdentityResolvers.principal(
            p -> p.getName().equals("robot") ? null : new AgentIdentity(p.getName(), "pro", Set.of("a"), IdentitySource.PRINCIPAL));
    assertThat(mapped.resolve(withPrincipal("robot"))).isEqualTo(IdentityResult.abstain());
    assertThat(mapped.resolve(withPrincipal("bob")))
        .isEqualTo(new IdentityResult.Identified(new AgentIdentity("bob", "pro", Set.of("a"), IdentitySource.PRINCIPAL)));
    // a principal whose name cannot be an agent id (control character) is refused, not thrown
    assertThat(plain.resolve(withPrincipal("eve\r\nX: 1"))).isEqualTo(new IdentityResult.Rejected("bad-principal"));
  }

  @Test
  void apiKeysFromANamedHeaderOrTheBearerScheme() {
    InMemoryApiKeyStore keys = InMemoryApiKeyStore.create().add(KEY, AgentIdentity.of("agent-7", IdentitySource.API_KEY));
    IdentityResolver header = IdentityResolvers.apiKeys(keys, "X-Api-Key", Clock.systemUTC());
    IdentityResolver bearer = IdentityResolvers.apiKeys(keys);
    assertThat(header.resolve(new FakeRequest("192.0.2.1").header("x-api-key", KEY))).isInstanceOf(IdentityResult.Identified.class);
    assertThat(header.resolve(new FakeRequest("192.0.2.1"))).isEqualTo(IdentityResult.abstain());
    assertThat(header.resolve(new FakeRequest("192.0.2.1").header("X-Api-Key", KEY).header("X-Api-Key", KEY)))
        .isEqualTo(new IdentityResult.Rejected("malformed"));
    assertThat(bearer.resolve(new FakeRequest("192.0.2.1").header("Authorization", "bEaReR " + KEY)))
        .isInstanceOf(IdentityResult.Identified.class);
    assertThat(bearer.resolve(new FakeRequest("192.0.2.1").header("Authorization", "Bearer  " + KEY)))
        .isEqualTo(new IdentityResult.Rejected("malformed"));
    assertThat(bearer.resolve(new FakeRequest("192.0.2.1").header("Authorization", "Bearer")))
        .isEqualTo(new IdentityResult.Rejected("malformed"));
    assertThat(bearer.resolve(new FakeRequest("192.0.2.1").header("Authorization", "Basic " + KEY)))
        .isEqualTo(IdentityResult.abstain());
    assertThat(bearer.resolve(new FakeRequest("192.0.2.1").header("Authorization", "Bearerx" + KEY)))
        .isEqualTo(IdentityResult.abstain());
    // a store that fails refuses, never admits
    IdentityResolver broken =
        IdentityResolvers.apiKeys(
            hash -> {
              throw new IllegalStateException("database down");
            });
    assertThat(broken.resolve(new FakeRequest("192.0.2.1").header("Authorization", "Bearer " + KEY)))
        .isEqualTo(new IdentityResult.Rejected("store-unavailable"));
    assertThatThrownBy(() -> IdentityResolvers.apiKeys(keys, "X Api Key", Clock.systemUTC()))
        .hasMessage("api key header must be an HTTP token but was 'X Api Key'");
  }

  @Test
  void clientCertificatesOutsideTheirValidityAreRefused() throws Exception {
    X509Certificate cert = certificate("agent-1.pem");
    MutableClock clock = new MutableClock(cert.getNotBefore().toInstant().plus(Duration.ofDays(1)));
    IdentityResolver resolver = IdentityResolvers.clientCertificate(CertificateName.SUBJECT_CN, clock);
    assertThat(resolver.resolve(withCertificate(cert)))
        .isEqualTo(new IdentityResult.Identified(AgentIdentity.of("agent-1", IdentitySource.MTLS)));
    clock.set(cert.getNotAfter().toInstant().plusSeconds(1));
    assertThat(resolver.resolve(withCertificate(cert))).isEqualTo(new IdentityResult.Rejected("expired"));
    clock.set(cert.getNotBefore().toInstant().minusSeconds(1));
    assertThat(resolver.resolve(withCertificate(cert))).isEqualTo(new IdentityResult.Rejected("expired"));
    assertThat(resolver.resolve(new FakeRequest("192.0.2.1"))).isEqualTo(IdentityResult.abstain());
    X509Certificate nameless = certificate("no-names.pem");
    clock.set(nameless.getNotBefore().toInstant().plus(Duration.ofDays(1)));
    for (CertificateName name : CertificateName.values()) {
      assertThat(IdentityResolvers.clientCertificate(name, clock).resolve(withCertificate(nameless)))
          .isEqualTo(new IdentityResult.Rejected("no-certificate-name"));
    }
  }

  @Test
  void trustedProxyBlocksAreValidatedByName() {
    assertThatThrownBy(() -> IdentityResolvers.clientAddress(List.of("10.0.0.0/8", "10.0.0.0/33")))
        .hasMessageContaining("10.0.0.0/33");
    IdentityResolver address = IdentityResolvers.clientAddress(List.of());
    IdentityResult odd = address.resolve(new FakeRequest("x".repeat(400)));
    assertThat(odd).isEqualTo(new IdentityResult.Identified(new AgentIdentity("ip:unknown", "anonymous", Set.of(), IdentitySource.IP)));
  }

  private static RequestView withPrincipal(String name) {
    return new FakeRequest("192.0.2.1") {
      @Override
      public Optional<Principal> principal() {
        return Optional.of(() -> name);
      }
    };
  }

  private static RequestView withCertificate(@Nullable X509Certificate cert) {
    return new FakeRequest("192.0.2.1") {
      @Override
      public List<X509Certificate> clientCertificates() {
        return List.of(Objects.requireNonNull(cert));
      }
    };
  }

  static X509Certificate certificate(String resource) throws CertificateException, IOException {
    try (InputStream in = Objects.requireNonNull(IdentityResolversTest.class.getResourceAsStream("/certs/" + resource))) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }
}
