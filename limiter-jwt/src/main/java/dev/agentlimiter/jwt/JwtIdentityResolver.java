package dev.agentlimiter.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyType;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSetBasedJWKSource;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.BadJWSException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.Beta;
import dev.agentlimiter.api.IdentityResolver;
import dev.agentlimiter.api.IdentityResult;
import dev.agentlimiter.api.IdentityResult.Rejected;
import dev.agentlimiter.api.RequestView;
import java.net.InetAddress;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.UnknownHostException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * Establishes an agent's identity from a bearer JWT ({@code Authorization: Bearer <token>}), verified with
 * nimbus-jose-jwt. Build one with {@link #newBuilder()}.
 *
 * <p>Guarantees:
 *
 * <ul>
 *   <li>{@link #resolve} <b>never throws</b>; a credential that fails any check is {@linkplain
 *       IdentityResult.Rejected rejected} with one of the cause constants of this class.
 *   <li>It {@linkplain IdentityResult#abstain() abstains} when there is no {@code Authorization} header,
 *       when the scheme is not {@code Bearer}, or when the bearer value is not a compact JWS or JWE (three or
 *       five base64url segments whose first decodes to a JSON object), so that a resolver later in the chain
 *       can handle opaque API keys.
 *   <li>Only allow-listed signature algorithms are accepted; {@code none} can never be. Each key verifies
 *       only its own family: a public key is never used as an HMAC secret.
 *   <li>Encrypted tokens (JWE) are rejected, whatever they contain.
 *   <li>{@code exp}, {@code iss}, {@code aud} and the agent id claim are required; the issuer must match
 *       exactly, the audience must contain the configured one, and {@code exp} and {@code nbf} are checked
 *       with a bounded clock skew.
 *   <li>A rejected token creates no state: no cache entry, nothing per subject.
 * </ul>
 *
 * <p>Thread-safe. With static keys {@link #resolve} never blocks; with a JWKS URI it blocks only when the
 * cached key set must be fetched (the first time, after it expired, or once per refetch interval for a
 * token whose key is not in the cached set).
 */
@Beta
public final class JwtIdentityResolver implements IdentityResolver {

  // The causes, each written once in IdentityResult.Rejected; here with what each means for a JWT.

  /**
   * {@link Rejected#MALFORMED}: the bearer value is too long, or JWT-shaped but not a well-formed signed JWT;
   * also anything unexpected.
   */
  public static final String MALFORMED = Rejected.MALFORMED;

  /** {@link Rejected#ALGORITHM_NOT_ALLOWED}: {@code alg} is not in the allow-list (never {@code none}). */
  public static final String ALGORITHM_NOT_ALLOWED = Rejected.ALGORITHM_NOT_ALLOWED;

  /** {@link Rejected#ENCRYPTED_NOT_ACCEPTED}: the token is a JWE (five segments), never accepted. */
  public static final String ENCRYPTED_NOT_ACCEPTED = Rejected.ENCRYPTED_NOT_ACCEPTED;

  /**
   * {@link Rejected#UNKNOWN_KEY}: no key that may verify the token's algorithm has the token's key id, even
   * after a refetch.
   */
  public static final String UNKNOWN_KEY = Rejected.UNKNOWN_KEY;

  /** {@link Rejected#KEYS_UNAVAILABLE}: the JWK set could not be fetched or parsed, and no cached set is valid. */
  public static final String KEYS_UNAVAILABLE = Rejected.KEYS_UNAVAILABLE;

  /** {@link Rejected#BAD_SIGNATURE}: the signature does not verify with any matching key. */
  public static final String BAD_SIGNATURE = Rejected.BAD_SIGNATURE;

  /** {@link Rejected#MISSING_CLAIM}: {@code exp}, {@code iss}, {@code aud} or the agent id claim is absent. */
  public static final String MISSING_CLAIM = Rejected.MISSING_CLAIM;

  /** {@link Rejected#WRONG_ISSUER}: the issuer is not the configured one. */
  public static final String WRONG_ISSUER = Rejected.WRONG_ISSUER;

  /** {@link Rejected#WRONG_AUDIENCE}: the audience does not contain the configured one. */
  public static final String WRONG_AUDIENCE = Rejected.WRONG_AUDIENCE;

  /** {@link Rejected#EXPIRED}: the token expired (beyond the clock skew). */
  public static final String EXPIRED = Rejected.EXPIRED;

  /** {@link Rejected#NOT_YET_VALID}: the token's {@code nbf} is in the future (beyond the clock skew). */
  public static final String NOT_YET_VALID = Rejected.NOT_YET_VALID;

  /**
   * {@link Rejected#BAD_CLAIMS}: a claim has a value this resolver cannot use: a registered claim of the
   * wrong type, an agent id that is not a valid {@link AgentIdentity} id, a bad tier or scope.
   */
  public static final String BAD_CLAIMS = Rejected.BAD_CLAIMS;

  /** The longest bearer value considered; a longer one is rejected {@value #MALFORMED}. */
  public static final int MAX_TOKEN_LENGTH = 8 * 1024;

  /** The default clock skew. */
  public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(30);

  /** The largest clock skew allowed. */
  public static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(5);

  static final Set<String> CAUSES =
      Set.of(
          MALFORMED,
          ALGORITHM_NOT_ALLOWED,
          ENCRYPTED_NOT_ACCEPTED,
          UNKNOWN_KEY,
          KEYS_UNAVAILABLE,
          BAD_SIGNATURE,
          MISSING_CLAIM,
          WRONG_ISSUER,
          WRONG_AUDIENCE,
          EXPIRED,
          NOT_YET_VALID,
          BAD_CLAIMS);

  private static final Map<String, IdentityResult> REJECTIONS = rejections();

  private static final String AUTHORIZATION = "Authorization";

  /** The algorithms this resolver can verify, by name. */
  static final Map<String, JWSAlgorithm> SUPPORTED = supported();

  private final Map<String, JWSAlgorithm> allowed;
  private final DefaultJWTProcessor<SecurityContext> processor;
  private final IdentityClaims identityClaims;
  private final @Nullable VerifiedTokens verifiedTokens;
  private final Clock clock;
  private final long clockSkewMillis;

  private JwtIdentityResolver(Builder b, JWSKeySelectorFactory keys) {
    this.allowed = b.allowed;
    this.clock = b.clock == null ? Clock.systemUTC() : b.clock;
    Duration skew = b.clockSkew == null ? DEFAULT_CLOCK_SKEW : b.clockSkew;
    this.clockSkewMillis = skew.toMillis();
    String agentIdClaim = b.agentIdClaim == null ? "sub" : b.agentIdClaim;
    this.identityClaims = new IdentityClaims(agentIdClaim, b.tierClaim);
    this.verifiedTokens =
        b.verifiedTokenCacheSize > 0 ? new VerifiedTokens(b.verifiedTokenCacheSize, clock) : null;
    DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
    p.setJWSTypeVerifier(
        new DefaultJOSEObjectTypeVerifier<>(
            JOSEObjectType.JWT,
            new JOSEObjectType("at+jwt"),
            new JOSEObjectType("application/at+jwt"),
            null));
    p.setJWSKeySelector(keys.create(clock));
    p.setJWTClaimsSetVerifier(
        new ClaimsVerifier(
            Objects.requireNonNull(b.issuer),
            Objects.requireNonNull(b.audience),
            agentIdClaim,
            Math.toIntExact(skew.toSeconds()),
            clock));
    this.processor = p;
  }

  /**
   * The resolver of one issuer of a policy file's {@code identity.jwt} section ({@code
   * dev.agentlimiter.core.config.PolicyFile.Identity#jwt()}): its issuer, audience, algorithms, JWKS URI
   * and clock skew, every other option at its default.
   *
   * <pre>{@code
   * PolicyFile file = PolicyFiles.read(Path.of("policies.yaml"));
   * List<IdentityResolver> jwt = file.identity().map(i -> i.jwt()).orElse(List.of()).stream()
   *     .map(JwtIdentityResolver::fromPolicyFile).toList();
   * }</pre>
   *
   * @throws IllegalArgumentException as the builder would, naming the option
   */
  public static JwtIdentityResolver fromPolicyFile(dev.agentlimiter.core.config.PolicyFile.JwtIssuer issuer) {
    java.util.Objects.requireNonNull(issuer, "issuer");
    if (issuer.audiences().size() != 1 || !issuer.requireExpiry()) {
      throw new IllegalArgumentException(
          "jwt issuer '" + issuer.issuer() + "': one audience and requireExpiry true are needed, as the policy"
              + " file's parser checks");
    }
    return newBuilder()
        .issuer(issuer.issuer())
        .audience(issuer.audiences().get(0))
        .allowedAlgorithms(issuer.algorithms().toArray(new String[0]))
        .jwksUri(issuer.jwksUri())
        .clockSkew(issuer.clockSkew())
        .build();
  }

  /** A new builder. */
  public static Builder newBuilder() {
    return new Builder();
  }

  /**
   * Resolves the identity carried by the request's bearer JWT.
   *
   * @return {@link IdentityResult.Identified} with an identity of source {@code JWT} if the token passed
   *     every check; {@link IdentityResult.Rejected} with one of the cause constants of this class if it is a
   *     JWT (or a bearer value too long to consider, or one of two {@code Authorization} headers) that
   *     failed; {@link IdentityResult#abstain()} if the request carries no bearer JWT
   */
  @Override
  public IdentityResult resolve(RequestView request) {
    try {
      return resolveOrThrow(request);
    } catch (RuntimeException e) {
      return reject(MALFORMED);
    }
  }

  private IdentityResult resolveOrThrow(RequestView request) {
    List<String> values = request.headers(AUTHORIZATION);
    if (values.isEmpty()) {
      return IdentityResult.abstain();
    }
    if (values.size() > 1) {
      for (String value : values) {
        if (CompactToken.isBearer(value)) {
          return reject(MALFORMED);
        }
      }
      return IdentityResult.abstain();
    }
    String credentials = values.get(0);
    int start = CompactToken.bearerValueStart(credentials);
    if (start < 0) {
      return IdentityResult.abstain();
    }
    int end = CompactToken.valueEnd(credentials, start);
    if (end - start > MAX_TOKEN_LENGTH) {
      return reject(MALFORMED);
    }
    String token = credentials.substring(start, end);
    int segments = CompactToken.segments(token);
    if (segments == CompactToken.NOT_COMPACT) {
      return IdentityResult.abstain();
    }
    VerifiedTokens.Digest digest = null;
    VerifiedTokens cache = verifiedTokens;
    if (cache != null) {
      digest = VerifiedTokens.digest(token);
      VerifiedTokens.Entry hit = cache.get(digest);
      if (hit != null) {
        return fromCache(hit, cache, digest);
      }
    }
    Map<String, Object> header = CompactToken.header(token);
    if (header == null) {
      return IdentityResult.abstain();
    }
    if (!CompactToken.canonical(token)) {
      return reject(MALFORMED);
    }
    if (segments == CompactToken.JWE_SEGMENTS) {
      return reject(ENCRYPTED_NOT_ACCEPTED);
    }
    return verify(token, header, digest);
  }

  private IdentityResult fromCache(
      VerifiedTokens.Entry hit, VerifiedTokens cache, VerifiedTokens.Digest digest) {
    long now = clock.millis();
    if (hit.expiresAtMillis() <= now - clockSkewMillis) {
      cache.invalidate(digest);
      return reject(EXPIRED);
    }
    if (hit.notBeforeMillis() >= now + clockSkewMillis) {
      return reject(NOT_YET_VALID);
    }
    return new IdentityResult.Identified(hit.identity());
  }

  @SuppressWarnings("JavaUtilDate") // nimbus's API
  private IdentityResult verify(
      String token, Map<String, Object> header, VerifiedTokens.@Nullable Digest digest) {
    if (!(header.get("alg") instanceof String alg) || header.containsKey("enc")) {
      return reject(MALFORMED);
    }
    if (!allowed.containsKey(alg)) {
      return reject(ALGORITHM_NOT_ALLOWED);
    }
    SignedJWT jwt;
    try {
      jwt = SignedJWT.parse(token);
    } catch (ParseException e) {
      return reject(MALFORMED);
    }
    JWTClaimsSet claims;
    try {
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      return reject(jwt.getPayload().toJSONObject() == null ? MALFORMED : BAD_CLAIMS);
    }
    try {
      processor.process(jwt, null);
    } catch (ClaimsRefusal e) {
      return reject(e.refusalCause());
    } catch (KeyRefusal e) {
      return reject(e.refusalCause());
    } catch (BadJWSException e) {
      return reject(BAD_SIGNATURE);
    } catch (KeySourceException e) {
      return reject(KEYS_UNAVAILABLE);
    } catch (BadJOSEException | JOSEException e) {
      return reject(MALFORMED);
    }
    AgentIdentity identity = identityClaims.identity(claims);
    if (identity == null) {
      return reject(BAD_CLAIMS);
    }
    VerifiedTokens cache = verifiedTokens;
    if (cache != null && digest != null) {
      Date exp = Objects.requireNonNull(claims.getExpirationTime(), "exp was verified");
      Date nbf = claims.getNotBeforeTime();
      cache.put(
          digest,
          new VerifiedTokens.Entry(
              identity, exp.getTime(), nbf == null ? Long.MIN_VALUE : nbf.getTime()));
    }
    return new IdentityResult.Identified(identity);
  }

  /** For tests: the number of cached verified tokens (0 without a cache). */
  long verifiedTokenCacheSize() {
    VerifiedTokens cache = verifiedTokens;
    return cache == null ? 0 : cache.size();
  }

  private static IdentityResult reject(String cause) {
    return Objects.requireNonNull(REJECTIONS.get(cause), cause);
  }

  private static Map<String, IdentityResult> rejections() {
    Map<String, IdentityResult> byCause = new LinkedHashMap<>();
    for (String cause : CAUSES) {
      byCause.put(cause, new IdentityResult.Rejected(cause));
    }
    return Map.copyOf(byCause);
  }

  private static Map<String, JWSAlgorithm> supported() {
    Map<String, JWSAlgorithm> byName = new LinkedHashMap<>();
    for (JWSAlgorithm alg :
        List.of(
            JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
            JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512,
            JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.ES512,
            JWSAlgorithm.HS256, JWSAlgorithm.HS384, JWSAlgorithm.HS512)) {
      byName.put(alg.getName(), alg);
    }
    return Map.copyOf(byName);
  }

  /** Creates the key selector once the clock is known. */
  @FunctionalInterface
  private interface JWSKeySelectorFactory {
    FamilyKeySelector create(Clock clock);
  }

  /**
   * Configures a {@link JwtIdentityResolver}. Not thread-safe. Each option may be set once (a second call
   * throws {@link IllegalStateException}); every value is validated at once ({@link
   * IllegalArgumentException} naming the option and the value). {@link #issuer}, {@link #audience} and
   * {@link #allowedAlgorithms} are required, and so are keys for the allowed algorithms: {@link #keys} or
   * {@link #jwksUri} for {@code RS*}, {@code PS*} and {@code ES*}, {@link #hmacSecret} for {@code HS*}.
   */
  public static final class Builder {

    /** The default time a fetched JWK set is trusted. */
    public static final Duration DEFAULT_JWKS_CACHE_TIME_TO_LIVE = Duration.ofMinutes(5);

    /** The default least time between two fetches of the JWK set. */
    public static final Duration DEFAULT_JWKS_REFETCH_INTERVAL = Duration.ofSeconds(30);

    /** The default connect and read timeouts of a JWK set fetch, each. */
    public static final Duration DEFAULT_JWKS_TIMEOUT = Duration.ofSeconds(1);

    /** The default largest JWK set document, in bytes. */
    public static final int DEFAULT_JWKS_SIZE_LIMIT = 64 * 1024;

    private static final int MIN_HMAC_SECRET_BYTES = 32;

    private @Nullable String issuer;
    private @Nullable String audience;
    private Map<String, JWSAlgorithm> allowed = Map.of();
    private @Nullable JWKSet staticKeys;
    private @Nullable URI jwksUri;
    private @Nullable Duration jwksCacheTimeToLive;
    private @Nullable Duration jwksRefetchInterval;
    private @Nullable Duration jwksConnectTimeout;
    private @Nullable Duration jwksReadTimeout;
    private int jwksSizeLimit = -1;
    private byte @Nullable [] hmacSecret;
    private @Nullable Duration clockSkew;
    private @Nullable String agentIdClaim;
    private @Nullable String tierClaim;
    private long verifiedTokenCacheSize = -1;
    private @Nullable Clock clock;

    private Builder() {}

    /**
     * The issuer the {@code iss} claim must equal exactly. Required.
     *
     * @throws IllegalArgumentException if blank
     * @throws IllegalStateException if already set
     */
    public Builder issuer(String issuer) {
      once("issuer", this.issuer);
      this.issuer = nonBlank("issuer", issuer);
      return this;
    }

    /**
     * The audience the {@code aud} claim (a string or an array) must contain. Required.
     *
     * @throws IllegalArgumentException if blank
     * @throws IllegalStateException if already set
     */
    public Builder audience(String audience) {
      once("audience", this.audience);
      this.audience = nonBlank("audience", audience);
      return this;
    }

    /**
     * The signature algorithms accepted, by their JWA names: {@code RS256}, {@code RS384}, {@code RS512},
     * {@code PS256}, {@code PS384}, {@code PS512}, {@code ES256}, {@code ES384}, {@code ES512}, {@code
     * HS256}, {@code HS384}, {@code HS512} (case-sensitive). Required; there is no default.
     *
     * @throws IllegalArgumentException if empty, if a name is {@code none} in any case (unsigned tokens
     *     can never be allowed), or if a name is not one of the above
     * @throws IllegalStateException if already set
     */
    public Builder allowedAlgorithms(String... names) {
      if (!allowed.isEmpty()) {
        throw new IllegalStateException("allowedAlgorithms was already set to " + allowed.keySet());
      }
      if (names.length == 0) {
        throw new IllegalArgumentException(
            "allowedAlgorithms: must name at least one algorithm but was []");
      }
      Map<String, JWSAlgorithm> byName = new LinkedHashMap<>();
      for (String name : names) {
        Objects.requireNonNull(name, "allowedAlgorithms: name");
        if (name.trim().equalsIgnoreCase("none")) {
          throw new IllegalArgumentException(
              "allowedAlgorithms: 'none' (unsigned tokens) can never be allowed but was '" + name + "'");
        }
        JWSAlgorithm alg = SUPPORTED.get(name);
        if (alg == null) {
          throw new IllegalArgumentException(
              "allowedAlgorithms: must be one of " + SUPPORTED.keySet() + " but was '" + name + "'");
        }
        byName.put(name, alg);
      }
      this.allowed = Map.copyOf(byName);
      return this;
    }

    /**
     * Static public keys for {@code RS*}, {@code PS*} and {@code ES*}, as a JWK Set document (RFC 7517
     * section 5). Exclusive with {@link #jwksUri}.
     *
     * @throws IllegalArgumentException if the document is not a JWK set, holds no key, or holds a key that
     *     is not an RSA or EC public key (private keys and secrets are refused: use {@link #hmacSecret})
     * @throws IllegalStateException if this or {@link #jwksUri} is already set
     */
    public Builder keys(String jwkSetJson) {
      Objects.requireNonNull(jwkSetJson, "keys");
      if (staticKeys != null) {
        throw new IllegalStateException("keys were already set");
      }
      if (jwksUri != null) {
        throw new IllegalStateException("keys: jwksUri was already set to " + jwksUri);
      }
      JWKSet set;
      try {
        set = JWKSet.parse(jwkSetJson);
      } catch (ParseException e) {
        throw new IllegalArgumentException(
            "keys: must be a JWK Set document but was not: " + e.getMessage(), e);
      }
      if (set.getKeys().isEmpty()) {
        throw new IllegalArgumentException("keys: must hold at least one key but was empty");
      }
      for (JWK key : set.getKeys()) {
        String name =
            key.getKeyID() == null ? "#" + set.getKeys().indexOf(key) : "'" + key.getKeyID() + "'";
        if (!KeyType.RSA.equals(key.getKeyType()) && !KeyType.EC.equals(key.getKeyType())) {
          throw new IllegalArgumentException(
              "keys: key " + name + " must be RSA or EC but was " + key.getKeyType());
        }
        if (key.isPrivate()) {
          throw new IllegalArgumentException(
              "keys: key " + name + " must be a public key but was a private key");
        }
      }
      this.staticKeys = set;
      return this;
    }

    /**
     * The URI of the issuer's JWK set, for {@code RS*}, {@code PS*} and {@code ES*}. The set is fetched on
     * first use, cached for {@link #jwksCacheTimeToLive}, refreshed in the background during the last tenth
     * of that time, and refetched at most once per {@link #jwksRefetchInterval} for a token whose key id is
     * not in the cached set. Exclusive with {@link #keys}.
     *
     * @throws IllegalArgumentException if not absolute, or not {@code https} (plain {@code http} is accepted
     *     for a loopback host only)
     * @throws IllegalStateException if this or {@link #keys} is already set
     */
    public Builder jwksUri(URI uri) {
      Objects.requireNonNull(uri, "jwksUri");
      once("jwksUri", jwksUri);
      if (staticKeys != null) {
        throw new IllegalStateException("jwksUri: keys were already set");
      }
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!uri.isAbsolute() || uri.getHost() == null) {
        throw new IllegalArgumentException("jwksUri: must be an absolute URI with a host but was " + uri);
      }
      if (!scheme.equals("https") && !(scheme.equals("http") && loopback(uri.getHost()))) {
        throw new IllegalArgumentException(
            "jwksUri: must be https (http only for a loopback host) but was " + uri);
      }
      try {
        var unused = uri.toURL();
      } catch (MalformedURLException | IllegalArgumentException e) {
        throw new IllegalArgumentException("jwksUri: must be a URL but was " + uri, e);
      }
      this.jwksUri = uri;
      return this;
    }

    /**
     * How long a fetched JWK set is trusted; default {@link #DEFAULT_JWKS_CACHE_TIME_TO_LIVE}. Requires
     * {@link #jwksUri}.
     *
     * @throws IllegalArgumentException if not in [1 min, 1 day]
     * @throws IllegalStateException if already set
     */
    public Builder jwksCacheTimeToLive(Duration timeToLive) {
      once("jwksCacheTimeToLive", jwksCacheTimeToLive);
      this.jwksCacheTimeToLive =
          within("jwksCacheTimeToLive", timeToLive, Duration.ofMinutes(1), Duration.ofDays(1));
      return this;
    }

    /**
     * The least time between two fetches of the JWK set, which bounds the fetches that tokens with unknown
     * key ids can cause; default {@link #DEFAULT_JWKS_REFETCH_INTERVAL}. Must be less than the cache time
     * to live. Requires {@link #jwksUri}.
     *
     * @throws IllegalArgumentException if not in [1 s, 1 h]
     * @throws IllegalStateException if already set
     */
    public Builder jwksRefetchInterval(Duration interval) {
      once("jwksRefetchInterval", jwksRefetchInterval);
      this.jwksRefetchInterval =
          within("jwksRefetchInterval", interval, Duration.ofSeconds(1), Duration.ofHours(1));
      return this;
    }

    /**
     * The connect timeout of a JWK set fetch; default {@link #DEFAULT_JWKS_TIMEOUT}. Requires {@link
     * #jwksUri}.
     *
     * @throws IllegalArgumentException if not in [10 ms, 10 s]
     * @throws IllegalStateException if already set
     */
    public Builder jwksConnectTimeout(Duration timeout) {
      once("jwksConnectTimeout", jwksConnectTimeout);
      this.jwksConnectTimeout =
          within("jwksConnectTimeout", timeout, Duration.ofMillis(10), Duration.ofSeconds(10));
      return this;
    }

    /**
     * The read timeout of a JWK set fetch; default {@link #DEFAULT_JWKS_TIMEOUT}. Requires {@link #jwksUri}.
     *
     * @throws IllegalArgumentException if not in [10 ms, 10 s]
     * @throws IllegalStateException if already set
     */
    public Builder jwksReadTimeout(Duration timeout) {
      once("jwksReadTimeout", jwksReadTimeout);
      this.jwksReadTimeout =
          within("jwksReadTimeout", timeout, Duration.ofMillis(10), Duration.ofSeconds(10));
      return this;
    }

    /**
     * The largest JWK set document read, in bytes; default {@link #DEFAULT_JWKS_SIZE_LIMIT}. A larger one
     * makes the keys unavailable. Requires {@link #jwksUri}.
     *
     * @throws IllegalArgumentException if not in [1 KiB, 1 MiB]
     * @throws IllegalStateException if already set
     */
    public Builder jwksSizeLimit(int bytes) {
      if (jwksSizeLimit >= 0) {
        throw new IllegalStateException("jwksSizeLimit was already set to " + jwksSizeLimit);
      }
      if (bytes < 1024 || bytes > 1024 * 1024) {
        throw new IllegalArgumentException(
            "jwksSizeLimit: must be in [1024, 1048576] bytes but was " + bytes);
      }
      this.jwksSizeLimit = bytes;
      return this;
    }

    /**
     * The shared secret for {@code HS*} (a copy is kept). It verifies only {@code HS*} tokens, and no other
     * key ever does.
     *
     * @throws IllegalArgumentException if shorter than 32 bytes (at build: shorter than the largest allowed
     *     {@code HS*} algorithm needs: 48 bytes for HS384, 64 for HS512)
     * @throws IllegalStateException if already set
     */
    public Builder hmacSecret(byte[] secret) {
      Objects.requireNonNull(secret, "hmacSecret");
      if (hmacSecret != null) {
        throw new IllegalStateException("hmacSecret was already set");
      }
      if (secret.length < MIN_HMAC_SECRET_BYTES) {
        throw new IllegalArgumentException(
            "hmacSecret: must be at least "
                + MIN_HMAC_SECRET_BYTES
                + " bytes but was "
                + secret.length
                + " bytes");
      }
      this.hmacSecret = secret.clone();
      return this;
    }

    /**
     * The tolerance for {@code exp} and {@code nbf}, in whole seconds; default {@link #DEFAULT_CLOCK_SKEW}.
     * A token is expired once {@code now - skew >= exp}, and not yet valid while {@code now + skew <= nbf}.
     *
     * @throws IllegalArgumentException if negative, above {@link #MAX_CLOCK_SKEW} or not whole seconds
     * @throws IllegalStateException if already set
     */
    public Builder clockSkew(Duration skew) {
      once("clockSkew", clockSkew);
      within("clockSkew", skew, Duration.ZERO, MAX_CLOCK_SKEW);
      if (!skew.equals(Duration.ofSeconds(skew.toSeconds()))) {
        throw new IllegalArgumentException("clockSkew: must be whole seconds but was " + skew);
      }
      this.clockSkew = skew;
      return this;
    }

    /**
     * The claim holding the agent id; default {@code sub}. The claim is required, and its value must be a
     * valid {@link AgentIdentity} id, or the token is rejected {@value #BAD_CLAIMS}.
     *
     * @throws IllegalArgumentException if blank
     * @throws IllegalStateException if already set
     */
    public Builder agentIdClaim(String claim) {
      once("agentIdClaim", agentIdClaim);
      this.agentIdClaim = nonBlank("agentIdClaim", claim);
      return this;
    }

    /**
     * The claim holding the agent's tier; default none, so every identity is in {@link
     * AgentIdentity#DEFAULT_TIER}. If the claim is absent from a token, the tier is the default one; if its
     * value is not a word of at most 64 characters, the token is rejected {@value #BAD_CLAIMS}.
     *
     * @throws IllegalArgumentException if blank
     * @throws IllegalStateException if already set
     */
    public Builder tierClaim(String claim) {
      once("tierClaim", tierClaim);
      this.tierClaim = nonBlank("tierClaim", claim);
      return this;
    }

    /**
     * Caches up to {@code maximumSize} verified tokens, so that a token presented again skips the
     * signature check; default: no cache. Entries are keyed on the SHA-256 of the token (the token itself is
     * never stored), hold only tokens that passed every check, and live until the token's {@code exp} and
     * at most five minutes. On a hit {@code exp} and {@code nbf} are checked again against the clock.
     * <b>A cached token stays accepted for up to five minutes after its key is removed from the JWK set.</b>
     *
     * @throws IllegalArgumentException if not in [1, 10,000,000]
     * @throws IllegalStateException if already set
     */
    public Builder verifiedTokenCache(long maximumSize) {
      if (verifiedTokenCacheSize >= 0) {
        throw new IllegalStateException(
            "verifiedTokenCache was already set to " + verifiedTokenCacheSize);
      }
      if (maximumSize < 1 || maximumSize > 10_000_000) {
        throw new IllegalArgumentException(
            "verifiedTokenCache: maximumSize must be in [1, 10000000] but was " + maximumSize);
      }
      this.verifiedTokenCacheSize = maximumSize;
      return this;
    }

    /**
     * The clock for {@code exp}, {@code nbf}, the JWK set cache and the verified-token cache; default
     * {@link Clock#systemUTC()}.
     *
     * @throws IllegalStateException if already set
     */
    public Builder clock(Clock clock) {
      Objects.requireNonNull(clock, "clock");
      once("clock", this.clock);
      this.clock = clock;
      return this;
    }

    /**
     * Builds the resolver. Does not fetch the JWK set: that happens on first use.
     *
     * @throws IllegalStateException if a required option is missing, if the keys do not fit the allowed
     *     algorithms (asymmetric algorithms without {@link #keys} or {@link #jwksUri}, {@code HS*} without
     *     {@link #hmacSecret} or with one too short, keys given for no allowed algorithm), or if a JWK set
     *     option is set without {@link #jwksUri}, or the refetch interval is not below the time to live
     */
    public JwtIdentityResolver build() {
      if (issuer == null) {
        throw new IllegalStateException("issuer: required but not set");
      }
      if (audience == null) {
        throw new IllegalStateException("audience: required but not set");
      }
      if (allowed.isEmpty()) {
        throw new IllegalStateException("allowedAlgorithms: required but not set");
      }
      Set<JWSAlgorithm> hmacAlgorithms = new HashSet<>();
      Set<JWSAlgorithm> publicKeyAlgorithms = new HashSet<>();
      for (JWSAlgorithm alg : allowed.values()) {
        (JWSAlgorithm.Family.HMAC_SHA.contains(alg) ? hmacAlgorithms : publicKeyAlgorithms).add(alg);
      }
      byte[] secret = hmacSecret;
      if (!hmacAlgorithms.isEmpty() && secret == null) {
        throw new IllegalStateException(
            "hmacSecret: required for " + names(hmacAlgorithms) + " but not set");
      }
      if (hmacAlgorithms.isEmpty() && secret != null) {
        throw new IllegalStateException("hmacSecret: set but allowedAlgorithms has no HS* algorithm");
      }
      if (secret != null) {
        for (JWSAlgorithm alg : hmacAlgorithms) {
          int needed = Integer.parseInt(alg.getName().substring(2)) / 8;
          if (secret.length < needed) {
            throw new IllegalStateException(
                "hmacSecret: must be at least "
                    + needed
                    + " bytes for "
                    + alg
                    + " but was "
                    + secret.length
                    + " bytes");
          }
        }
      }
      boolean hasKeys = staticKeys != null || jwksUri != null;
      if (!publicKeyAlgorithms.isEmpty() && !hasKeys) {
        throw new IllegalStateException(
            "keys or jwksUri: required for " + names(publicKeyAlgorithms) + " but neither is set");
      }
      if (publicKeyAlgorithms.isEmpty() && hasKeys) {
        throw new IllegalStateException(
            "keys or jwksUri: set but allowedAlgorithms has no RS*, PS* or ES* algorithm");
      }
      if (jwksUri == null
          && (jwksCacheTimeToLive != null
              || jwksRefetchInterval != null
              || jwksConnectTimeout != null
              || jwksReadTimeout != null
              || jwksSizeLimit >= 0)) {
        throw new IllegalStateException("jwks options: set but jwksUri is not");
      }
      Duration ttl = orDefault(jwksCacheTimeToLive, DEFAULT_JWKS_CACHE_TIME_TO_LIVE);
      Duration refetch = orDefault(jwksRefetchInterval, DEFAULT_JWKS_REFETCH_INTERVAL);
      if (jwksUri != null && refetch.compareTo(ttl) >= 0) {
        throw new IllegalStateException(
            "jwksRefetchInterval: must be less than jwksCacheTimeToLive (" + ttl + ") but was "
                + refetch);
      }
      SecretKey hmacKey = secret == null ? null : new SecretKeySpec(secret, "HmacSHA256");
      JWKSet keys = staticKeys;
      URI uri = jwksUri;
      JWSKeySelectorFactory selectors =
          clock -> {
            JWKSource<SecurityContext> source = null;
            if (keys != null) {
              source = new ImmutableJWKSet<>(keys);
            } else if (uri != null) {
              source = remote(uri, ttl, refetch, clock);
            }
            return new FamilyKeySelector(hmacAlgorithms, hmacKey, publicKeyAlgorithms, source);
          };
      return new JwtIdentityResolver(this, selectors);
    }

    private JWKSource<SecurityContext> remote(URI uri, Duration ttl, Duration refetch, Clock clock) {
      int connect = Math.toIntExact(orDefault(jwksConnectTimeout, DEFAULT_JWKS_TIMEOUT).toMillis());
      int read = Math.toIntExact(orDefault(jwksReadTimeout, DEFAULT_JWKS_TIMEOUT).toMillis());
      int size = jwksSizeLimit >= 0 ? jwksSizeLimit : DEFAULT_JWKS_SIZE_LIMIT;
      long ttlMillis = ttl.toMillis();
      // waiting threads give up after one fetch's worth of timeouts; refresh ahead in the last tenth
      long refreshTimeout = (long) connect + read;
      long refreshAhead = ttlMillis / 10;
      JWKSource<SecurityContext> built;
      try {
        built =
            JWKSourceBuilder.<SecurityContext>create(
                    uri.toURL(), new DefaultResourceRetriever(connect, read, size, true))
                .cache(ttlMillis, refreshTimeout)
                .refreshAheadCache(refreshAhead, null, refreshExecutor(), true, null, false)
                .rateLimited(refetch.toMillis())
                .build();
      } catch (MalformedURLException e) {
        throw new IllegalStateException("jwksUri: " + uri, e); // checked in jwksUri()
      }
      if (!(built instanceof JWKSetBasedJWKSource<SecurityContext> based)) {
        throw new IllegalStateException("unexpected JWK source " + built.getClass());
      }
      return new ClockedJwkSource(based.getJWKSetSource(), clock);
    }

    /** One daemon thread at most, and none while idle, for refreshing the JWK set ahead of expiry. */
    private static ExecutorService refreshExecutor() {
      return new ThreadPoolExecutor(
          0,
          1,
          30,
          TimeUnit.SECONDS,
          new LinkedBlockingQueue<>(),
          runnable -> {
            Thread thread = new Thread(runnable, "agent-limiter-jwks-refresh");
            thread.setDaemon(true);
            return thread;
          });
    }

    private static Duration orDefault(@Nullable Duration value, Duration fallback) {
      return value == null ? fallback : value;
    }

    private static String names(Set<JWSAlgorithm> algorithms) {
      return algorithms.stream().map(JWSAlgorithm::getName).sorted().toList().toString();
    }

    private static boolean loopback(String host) {
      String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
      if (h.equalsIgnoreCase("localhost")) {
        return true;
      }
      if (!h.contains(":") && !h.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}")) {
        return false; // a host name other than localhost: never resolved here
      }
      try {
        return InetAddress.getByName(h).isLoopbackAddress();
      } catch (UnknownHostException e) {
        return false;
      }
    }

    private static void once(String option, @Nullable Object current) {
      if (current != null) {
        throw new IllegalStateException(option + " was already set to " + current);
      }
    }

    private static String nonBlank(String option, String value) {
      Objects.requireNonNull(value, option);
      if (value.isBlank()) {
        throw new IllegalArgumentException(option + ": must not be blank but was '" + value + "'");
      }
      return value;
    }

    private static Duration within(String option, Duration value, Duration min, Duration max) {
      Objects.requireNonNull(value, option);
      if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
        throw new IllegalArgumentException(
            option + ": must be in [" + min + ", " + max + "] but was " + value);
      }
      return value;
    }
  }
}
