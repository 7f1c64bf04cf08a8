package dev.agentlimiter.jmh;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.agentlimiter.api.IdentityResolver;
import dev.agentlimiter.api.IdentityResult;
import dev.agentlimiter.api.RequestView;
import dev.agentlimiter.jwt.JwtIdentityResolver;
import java.security.Principal;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Resolving one valid bearer JWT, beside the floor:
 *
 * <ul>
 *   <li>{@code floor_nimbus_process}: nimbus's {@code DefaultJWTProcessor.process} on the token string, with
 *       a {@code JWSVerificationKeySelector} over the same static key and a {@code DefaultJWTClaimsVerifier}
 *       checking the same issuer, audience and required claims: no library around it (no header parsing,
 *       no shape checks, no identity);
 *   <li>{@code resolver_no_cache}: {@link JwtIdentityResolver#resolve} reading the {@code Authorization}
 *       header, checking the shape, verifying and building the identity;
 *   <li>{@code resolver_cached}: the same with the verified-token cache, the token already cached (SHA-256 of
 *       the token, one Caffeine lookup, the expiry check).
 * </ul>
 *
 * <p>{@code alg}: RS256 (2048-bit key) or ES256 (P-256). Static keys: no JWK set fetch is involved.
 *
 * <pre>
 * java -jar jmh/target/benchmarks.jar JwtIdentityBenchmark -prof gc
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@State(Scope.Benchmark)
public class JwtIdentityBenchmark {

  static final String ISSUER = "https://login.example.com/";
  static final String AUDIENCE = "orders-api";

  @Param({"RS256", "ES256"})
  public String alg = "RS256";

  private String token = "";
  private RequestView request = new Bearer("");
  private DefaultJWTProcessor<SecurityContext> floor = new DefaultJWTProcessor<>();
  private IdentityResolver uncached = r -> IdentityResult.abstain();
  private IdentityResolver cached = r -> IdentityResult.abstain();

  /** A request with one {@code Authorization: Bearer} header. */
  record Bearer(String token) implements RequestView {
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
      return name.equalsIgnoreCase("Authorization") ? "Bearer " + token : null;
    }

    @Override
    public List<String> headers(String name) {
      return name.equalsIgnoreCase("Authorization") ? List.of("Bearer " + token) : List.of();
    }

    @Override
    public String remoteAddress() {
      return "127.0.0.1";
    }

    @Override
    public Optional<Principal> principal() {
      return Optional.empty();
    }
  }

  @Setup
  public void setUp() throws Exception {
    JWSAlgorithm algorithm = JWSAlgorithm.parse(alg);
    JWK key =
        algorithm.equals(JWSAlgorithm.RS256)
            ? new RSAKeyGenerator(2048).keyID("k1").generate()
            : new ECKeyGenerator(Curve.P_256).keyID("k1").generate();
    Instant now = Instant.now();
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .issuer(ISSUER)
            .audience(AUDIENCE)
            .subject("agent-7")
            .claim("scope", "orders:read orders:write")
            .issueTime(Date.from(now))
            .expirationTime(Date.from(now.plus(Duration.ofDays(1))))
            .build();
    token = sign(key, algorithm, claims);
    request = new Bearer(token);
    JWKSet publicSet = new JWKSet(key.toPublicJWK());

    floor = new DefaultJWTProcessor<>();
    floor.setJWSKeySelector(
        new JWSVerificationKeySelector<>(algorithm, new ImmutableJWKSet<>(publicSet)));
    floor.setJWTClaimsSetVerifier(
        new DefaultJWTClaimsVerifier<>(
            AUDIENCE,
            new JWTClaimsSet.Builder().issuer(ISSUER).build(),
            Set.of("exp", "iss", "aud", "sub")));

    uncached = resolver(publicSet).build();
    cached = resolver(publicSet).verifiedTokenCache(1_000).build();

    if (!"agent-7".equals(floor.process(token, null).getSubject())) {
      throw new IllegalStateException("floor");
    }
    for (IdentityResolver r : List.of(uncached, cached)) {
      if (!(r.resolve(request) instanceof IdentityResult.Identified)) {
        throw new IllegalStateException("resolver: " + r.resolve(request));
      }
    }
  }

  private JwtIdentityResolver.Builder resolver(JWKSet publicSet) {
    return JwtIdentityResolver.newBuilder()
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .allowedAlgorithms(alg)
        .keys(publicSet.toString());
  }

  private static String sign(JWK key, JWSAlgorithm alg, JWTClaimsSet claims) throws JOSEException {
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(alg).keyID(key.getKeyID()).type(JOSEObjectType.JWT).build(), claims);
    if (key instanceof RSAKey rsa) {
      jwt.sign(new RSASSASigner(rsa));
    } else {
      jwt.sign(new ECDSASigner((ECKey) key));
    }
    return jwt.serialize();
  }

  @Benchmark
  public JWTClaimsSet floor_nimbus_process() throws Exception {
    return floor.process(token, null);
  }

  @Benchmark
  public IdentityResult resolver_no_cache() {
    return uncached.resolve(request);
  }

  @Benchmark
  public IdentityResult resolver_cached() {
    return cached.resolve(request);
  }
}
