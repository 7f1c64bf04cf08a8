package dev.agentlimiter.jwt;

import static dev.agentlimiter.jwt.Keys.AUDIENCE;
import static dev.agentlimiter.jwt.Keys.EC;
import static dev.agentlimiter.jwt.Keys.ISSUER;
import static dev.agentlimiter.jwt.Keys.NOW;
import static dev.agentlimiter.jwt.Keys.RSA;
import static dev.agentlimiter.jwt.Keys.RSA_2;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.IdentityResult;
import dev.agentlimiter.api.IdentitySource;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Keys from a JWK set served by a real HTTP server on the loopback interface. */
class JwksTest {

  private final MutableClock clock = new MutableClock(NOW);
  private volatile String body = Keys.publicSet(RSA, EC);
  private final AtomicInteger status = new AtomicInteger(200);
  private final AtomicInteger fetches = new AtomicInteger();
  private volatile CountDownLatch stall = new CountDownLatch(0);
  private final ExecutorService serverThreads = Executors.newFixedThreadPool(4);
  private HttpServer server;
  private URI uri;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/jwks", this::serve);
    server.setExecutor(serverThreads);
    server.start();
    uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/jwks");
  }

  @AfterEach
  void stop() {
    stall.countDown();
    server.stop(0);
    serverThreads.shutdownNow();
  }

  private void serve(HttpExchange exchange) throws IOException {
    fetches.incrementAndGet();
    try {
      stall.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/jwk-set+json");
    exchange.sendResponseHeaders(status.get(), bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private JwtIdentityResolver.Builder remote() {
    return JwtIdentityResolver.newBuilder()
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .allowedAlgorithms("RS256", "ES256")
        .jwksUri(uri)
        .clock(clock);
  }

  private static IdentityResult agent7() {
    return new IdentityResult.Identified(AgentIdentity.of("agent-7", IdentitySource.JWT));
  }

  private static IdentityResult rejected(String cause) {
    return new IdentityResult.Rejected(cause);
  }

  private static IdentityResult resolve(JwtIdentityResolver resolver, String token) {
    return resolver.resolve(TestRequest.bearer(token));
  }

  private static String signedBy(com.nimbusds.jose.jwk.JWK key) {
    JWSAlgorithm alg = key instanceof com.nimbusds.jose.jwk.ECKey ? JWSAlgorithm.ES256 : JWSAlgorithm.RS256;
    return Keys.sign(key, alg, Keys.claims().build());
  }

  @Test
  void keysAreFetchedOnceAndCached() {
    JwtIdentityResolver resolver = remote().build();
    assertThat(fetches.get()).as("build does not fetch").isZero();
    assertThat(resolve(resolver, signedBy(RSA))).isEqualTo(agent7());
    assertThat(resolve(resolver, signedBy(EC))).isEqualTo(agent7());
    clock.advance(Duration.ofMinutes(4));
    assertThat(resolve(resolver, signedBy(RSA))).isEqualTo(agent7());
    assertThat(fetches.get()).isEqualTo(1);
  }

  @Test
  void unknownKidIsRejectedAfterOneBoundedRefetch() {
    JwtIdentityResolver resolver = remote().build();
    assertThat(resolve(resolver, signedBy(RSA_2))).isEqualTo(rejected(JwtIdentityResolver.UNKNOWN_KEY));
    assertThat(fetches.get()).as("first fetch and one refetch").isEqualTo(2);
    com.nimbusds.jose.jwk.RSAKey stranger = Keys.rsa("stranger");
    for (int i = 0; i < 100; i++) {
      String token =
          Keys.sign(stranger, JWSAlgorithm.RS256, Keys.claims().subject("agent-" + i).build());
      assertThat(resolve(resolver, token)).isEqualTo(rejected(JwtIdentityResolver.UNKNOWN_KEY));
    }
    assertThat(fetches.get()).as("refetches are rate limited").isEqualTo(2);
    clock.advance(JwtIdentityResolver.Builder.DEFAULT_JWKS_REFETCH_INTERVAL);
    assertThat(resolve(resolver, signedBy(RSA_2))).isEqualTo(rejected(JwtIdentityResolver.UNKNOWN_KEY));
    assertThat(fetches.get()).as("one more after the interval").isEqualTo(3);
  }

  @Test
  void rotatedKeyIsAcceptedAfterRefetchAndTheOldOneRejectedOnceGone() {
    JwtIdentityResolver resolver = remote().build();
    assertThat(resolve(resolver, signedBy(RSA))).isEqualTo(agent7());
    body = Keys.publicSet(RSA_2, EC); // the issuer rotates
    assertThat(resolve(resolver, signedBy(RSA))).as("cached set still holds it").isEqualTo(agent7());
    assertThat(resolve(resolver, signedBy(RSA_2))).as("new kid: refetched").isEqualTo(agent7());
    assertThat(fetches.get()).isEqualTo(2);
    assertThat(resolve(resolver, signedBy(RSA))).isEqualTo(rejected(JwtIdentityResolver.UNKNOWN_KEY));
    clock.advance(Duration.ofMinutes(6));
    assertThat(resolve(resolver, signedBy(RSA))).isEqualTo(rejected(JwtIdentityResolver.UNKNOWN_KEY));
    assertThat(resolve(resolver, signedBy(RSA_2))).isEqualTo(agent7());
  }

  @Test
  void oldKeyRejectedAfterTheCacheExpires() {
    JwtIdentityResolver resolver = remote().build();
    assertThat(resolve(resolver, signedBy(RSA))).isEqualTo(agent7());
    body = Keys.publicSet(RSA_2);
    clock.advance(Duration.ofMinutes(5).plusSeconds(1));
    assertThat(resolve(resolver, signedBy(RSA))).isEqualTo(rejected(JwtIdentityResolver.UNKNOWN_KEY));
    assertThat(resolve(resolver, signedBy(RSA_2))).isEqualTo(agent7());
  }

  @Test
  void serverDownIsKeysUnavailable() {
    JwtIdentityResolver resolver = remote().build();
    server.stop(0);
    assertThat(resolve(resolver, signedBy(RSA))).isEqualTo(rejected(JwtIdentityResolver.KEYS_UNAVAILABLE));
  }

  @Test
  void errorStatusGarbageAndOversizedSetsAreKeysUnavailable() {
    status.set(503);
    assertThat(resolve(remote().build(), signedBy(RSA))).isEqualTo(rejected(JwtIdentityResolver.KEYS_UNAVAILABLE));
    status.set(200);
    body = "<html>not a key set</html>";
    assertThat(resolve(remote().build(), signedBy(RSA))).isEqualTo(rejected(JwtIdentityResolver.KEYS_UNAVAILABLE));
    body = "{\"keys\":[],\"padding\":\"" + "x".repeat(4096) + "\"}";
    assertThat(resolve(remote().jwksSizeLimit(1024).build(), signedBy(RSA)))
        .isEqualTo(rejected(JwtIdentityResolver.KEYS_UNAVAILABLE));
  }

  @Test
  void outageAfterExpiryIsKeysUnavailableThenRecovers() {
    JwtIdentityResolver resolver = remote().build();
    assertThat(resolve(resolver, signedBy(RSA))).isEqualTo(agent7());
    status.set(500);
    clock.advance(Duration.ofMinutes(6));
    assertThat(resolve(resolver, signedBy(RSA))).isEqualTo(rejected(JwtIdentityResolver.KEYS_UNAVAILABLE));
    status.set(200);
    clock.advance(JwtIdentityResolver.Builder.DEFAULT_JWKS_REFETCH_INTERVAL);
    assertThat(resolve(resolver, signedBy(RSA))).isEqualTo(agent7());
  }

  @Test
  void slowServerTimesOut() {
    stall = new CountDownLatch(1);
    JwtIdentityResolver resolver =
        remote().jwksConnectTimeout(Duration.ofMillis(200)).jwksReadTimeout(Duration.ofMillis(200)).build();
    long start = System.nanoTime();
    assertThat(resolve(resolver, signedBy(RSA))).isEqualTo(rejected(JwtIdentityResolver.KEYS_UNAVAILABLE));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
  }
}
