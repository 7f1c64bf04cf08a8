package dev.agentlimiter.jwt;

import static dev.agentlimiter.jwt.Keys.AUDIENCE;
import static dev.agentlimiter.jwt.Keys.EC;
import static dev.agentlimiter.jwt.Keys.HMAC_SECRET;
import static dev.agentlimiter.jwt.Keys.ISSUER;
import static dev.agentlimiter.jwt.Keys.NOW;
import static dev.agentlimiter.jwt.Keys.RSA;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.JWEObject;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSAEncrypter;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.IdentityResult;
import dev.agentlimiter.api.IdentitySource;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JwtIdentityResolverTest {

  private final MutableClock clock = new MutableClock(NOW);

  private final JwtIdentityResolver resolver = staticKeys().build();

  private JwtIdentityResolver.Builder staticKeys() {
    return JwtIdentityResolver.newBuilder()
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .allowedAlgorithms("RS256", "ES256")
        .keys(Keys.publicSet(RSA, EC))
        .clock(clock);
  }

  private JwtIdentityResolver hmacAndRsa() {
    return JwtIdentityResolver.newBuilder()
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .allowedAlgorithms("RS256", "HS256")
        .keys(Keys.publicSet(RSA))
        .hmacSecret(HMAC_SECRET)
        .clock(clock)
        .build();
  }

  private static IdentityResult rejected(String cause) {
    return new IdentityResult.Rejected(cause);
  }

  private static IdentityResult agent7() {
    return new IdentityResult.Identified(AgentIdentity.of("agent-7", IdentitySource.JWT));
  }

  private IdentityResult resolve(String token) {
    return resolver.resolve(TestRequest.bearer(token));
  }

  private static String b64(String json) {
    return Base64URL.encode(json.getBytes(StandardCharsets.UTF_8)).toString();
  }

  private static String b64(byte[] bytes) {
    return Base64URL.encode(bytes).toString();
  }

  private static String payload(String token) {
    return token.split("\\.", -1)[1];
  }

  // --- valid tokens

  @Test
  void validRs256() {
    assertThat(resolve(Keys.rs256(Keys.claims().build()))).isEqualTo(agent7());
  }

  @Test
  void validEs256() {
    assertThat(resolve(Keys.es256(Keys.claims().build()))).isEqualTo(agent7());
  }

  @Test
  void validHs256WhenConfigured() {
    JwtIdentityResolver hmac =
        JwtIdentityResolver.newBuilder()
            .issuer(ISSUER)
            .audience(AUDIENCE)
            .allowedAlgorithms("HS256")
            .hmacSecret(HMAC_SECRET)
            .clock(clock)
            .build();
    assertThat(hmac.resolve(TestRequest.bearer(Keys.hs256(HMAC_SECRET, Keys.claims().build()))))
        .isEqualTo(agent7());
    assertThat(resolve(Keys.hs256(HMAC_SECRET, Keys.claims().build())))
        .as("HS256 is not allowed by the RS256/ES256 resolver")
        .isEqualTo(rejected(JwtIdentityResolver.ALGORITHM_NOT_ALLOWED));
  }

  @Test
  void bothFamiliesEachWithItsOwnKey() {
    JwtIdentityResolver both = hmacAndRsa();
    assertThat(both.resolve(TestRequest.bearer(Keys.rs256(Keys.claims().build())))).isEqualTo(agent7());
    assertThat(both.resolve(TestRequest.bearer(Keys.hs256(HMAC_SECRET, Keys.claims().build()))))
        .isEqualTo(agent7());
  }

  @Test
  void accessTokenTypeAcceptedOtherTypesNot() throws JOSEException {
    for (String typ : new String[] {"at+jwt", "application/at+jwt", "JWT"}) {
      SignedJWT jwt =
          new SignedJWT(
              new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rsa-1").type(new JOSEObjectType(typ)).build(),
              Keys.claims().build());
      jwt.sign(new RSASSASigner(RSA));
      assertThat(resolve(jwt.serialize())).as(typ).isEqualTo(agent7());
    }
    SignedJWT other =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rsa-1").type(new JOSEObjectType("secevent+jwt")).build(),
            Keys.claims().build());
    other.sign(new RSASSASigner(RSA));
    assertThat(resolve(other.serialize())).isEqualTo(rejected(JwtIdentityResolver.MALFORMED));
  }

  // --- time

  @Test
  void expired() {
    String token = Keys.rs256(c -> c.expirationTime(Date.from(NOW.minus(Duration.ofMinutes(1)))));
    assertThat(resolve(token)).isEqualTo(rejected(JwtIdentityResolver.EXPIRED));
  }

  @Test
  void expiryWithinSkewAcceptedJustBeyondRejected() {
    String within = Keys.rs256(c -> c.expirationTime(Date.from(NOW.minusSeconds(29))));
    String beyond = Keys.rs256(c -> c.expirationTime(Date.from(NOW.minusSeconds(30))));
    assertThat(resolve(within)).isEqualTo(agent7());
    assertThat(resolve(beyond)).isEqualTo(rejected(JwtIdentityResolver.EXPIRED));
  }

  @Test
  void notYetValid() {
    String token = Keys.rs256(c -> c.notBeforeTime(Date.from(NOW.plus(Duration.ofMinutes(1)))));
    assertThat(resolve(token)).isEqualTo(rejected(JwtIdentityResolver.NOT_YET_VALID));
  }

  @Test
  void notBeforeWithinSkewAcceptedJustBeyondRejected() {
    String within = Keys.rs256(c -> c.notBeforeTime(Date.from(NOW.plusSeconds(29))));
    String beyond = Keys.rs256(c -> c.notBeforeTime(Date.from(NOW.plusSeconds(30))));
    assertThat(resolve(within)).isEqualTo(agent7());
    assertThat(resolve(beyond)).isEqualTo(rejected(JwtIdentityResolver.NOT_YET_VALID));
  }

  @Test
  void configuredSkewApplies() {
    JwtIdentityResolver strict = staticKeys().clockSkew(Duration.ZERO).build();
    String justExpired = Keys.rs256(c -> c.expirationTime(Date.from(NOW)));
    String stillValid = Keys.rs256(c -> c.expirationTime(Date.from(NOW.plusSeconds(1))));
    assertThat(strict.resolve(TestRequest.bearer(justExpired)))
        .isEqualTo(rejected(JwtIdentityResolver.EXPIRED));
    assertThat(strict.resolve(TestRequest.bearer(stillValid))).isEqualTo(agent7());
  }

  // --- required claims

  @Test
  void missingExp() {
    assertThat(resolve(Keys.rs256(c -> c.expirationTime(null))))
        .isEqualTo(rejected(JwtIdentityResolver.MISSING_CLAIM));
  }

  @Test
  void missingIss() {
    assertThat(resolve(Keys.rs256(c -> c.issuer(null))))
        .isEqualTo(rejected(JwtIdentityResolver.MISSING_CLAIM));
  }

  @Test
  void missingAud() {
    assertThat(resolve(Keys.rs256(c -> c.audience((String) null))))
        .isEqualTo(rejected(JwtIdentityResolver.MISSING_CLAIM));
  }

  @Test
  void missingSub() {
    assertThat(resolve(Keys.rs256(c -> c.subject(null))))
        .isEqualTo(rejected(JwtIdentityResolver.MISSING_CLAIM));
  }

  @Test
  void wrongIssuer() {
    assertThat(resolve(Keys.rs256(c -> c.issuer("https://evil.example"))))
        .isEqualTo(rejected(JwtIdentityResolver.WRONG_ISSUER));
    assertThat(resolve(Keys.rs256(c -> c.issuer(ISSUER + "/"))))
        .as("exact match only")
        .isEqualTo(rejected(JwtIdentityResolver.WRONG_ISSUER));
  }

  @Test
  void wrongAudience() {
    assertThat(resolve(Keys.rs256(c -> c.audience(List.of("billing-api", "other-api")))))
        .isEqualTo(rejected(JwtIdentityResolver.WRONG_AUDIENCE));
    assertThat(resolve(Keys.rs256(c -> c.audience(AUDIENCE)))).as("a single string").isEqualTo(agent7());
  }

  // --- signatures and algorithms

  @Test
  void tamperedPayloadIsBadSignature() {
    String token = Keys.rs256(Keys.claims().build());
    String other = Keys.rs256(c -> c.subject("agent-8"));
    String[] parts = token.split("\\.", -1);
    String tampered = parts[0] + "." + payload(other) + "." + parts[2];
    assertThat(resolve(tampered)).isEqualTo(rejected(JwtIdentityResolver.BAD_SIGNATURE));
  }

  @Test
  void plainJwtIsNeverAllowed() {
    String plain = new PlainJWT(Keys.claims().build()).serialize();
    assertThat(resolve(plain)).isEqualTo(rejected(JwtIdentityResolver.ALGORITHM_NOT_ALLOWED));
  }

  @ParameterizedTest
  @ValueSource(strings = {"none", "None", "NONE", "nOnE"})
  void algNoneVariantsBuiltByHand(String alg) {
    String body = payload(Keys.rs256(Keys.claims().build()));
    String signature = Keys.rs256(Keys.claims().build()).split("\\.", -1)[2];
    for (String header :
        new String[] {
          "{\"alg\":\"" + alg + "\"}",
          "{\"alg\":\"" + alg + "\",\"typ\":\"JWT\"}",
          "{\"alg\":\"" + alg + "\",\"kid\":\"rsa-1\"}"
        }) {
      assertThat(resolve(b64(header) + "." + body + "."))
          .as(header + " without signature")
          .isEqualTo(rejected(JwtIdentityResolver.ALGORITHM_NOT_ALLOWED));
      assertThat(resolve(b64(header) + "." + body + "." + signature))
          .as(header + " with a signature")
          .isEqualTo(rejected(JwtIdentityResolver.ALGORITHM_NOT_ALLOWED));
    }
  }

  /** The HS/RS key confusion: HS256 with the RSA public key, in several encodings, as the secret. */
  @Test
  void hs256SignedWithTheRsaPublicKeyIsRejected() throws JOSEException {
    byte[] der = RSA.toRSAPublicKey().getEncoded();
    String pem =
        "-----BEGIN PUBLIC KEY-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
            + "\n-----END PUBLIC KEY-----\n";
    byte[] n = RSA.getModulus().decode();
    byte[] jwk = RSA.toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8);
    JwtIdentityResolver both = hmacAndRsa();
    for (byte[] secret : List.of(der, pem.getBytes(StandardCharsets.US_ASCII), n, jwk)) {
      for (String kid : new String[] {null, "rsa-1"}) {
        SignedJWT jwt =
            new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(kid).build(), Keys.claims().build());
        jwt.sign(new MACSigner(secret));
        String token = jwt.serialize();
        assertThat(resolve(token))
            .as("RS256 only")
            .isEqualTo(rejected(JwtIdentityResolver.ALGORITHM_NOT_ALLOWED));
        assertThat(both.resolve(TestRequest.bearer(token)))
            .as("RS256 and HS256: the RSA key never verifies HS256")
            .isEqualTo(rejected(JwtIdentityResolver.BAD_SIGNATURE));
      }
    }
  }

  /** CVE-2022-21449: an ECDSA signature of zeros must not verify. */
  @Test
  void psychicSignatureIsRejected() {
    String token = Keys.es256(Keys.claims().build());
    String[] parts = token.split("\\.", -1);
    String zeros = parts[0] + "." + parts[1] + "." + b64(new byte[64]);
    assertThat(resolve(zeros)).isEqualTo(rejected(JwtIdentityResolver.BAD_SIGNATURE));
  }

  @Test
  void rs256HeaderWithAnEcSignatureIsBadSignature() {
    String es = Keys.es256(Keys.claims().build());
    String rsHeader = Keys.rs256(Keys.claims().build()).split("\\.", -1)[0];
    String[] parts = es.split("\\.", -1);
    assertThat(resolve(rsHeader + "." + parts[1] + "." + parts[2]))
        .isEqualTo(rejected(JwtIdentityResolver.BAD_SIGNATURE));
  }

  @Test
  void unsignedJwtInsideJweIsRejected() throws JOSEException {
    JWEObject jwe =
        new JWEObject(
            new JWEHeader.Builder(JWEAlgorithm.RSA_OAEP_256, EncryptionMethod.A128GCM)
                .contentType("JWT")
                .build(),
            new Payload(new PlainJWT(Keys.claims().build()).serialize()));
    jwe.encrypt(new RSAEncrypter(RSA));
    assertThat(resolve(jwe.serialize())).isEqualTo(rejected(JwtIdentityResolver.ENCRYPTED_NOT_ACCEPTED));

    JWEObject nestedSigned =
        new JWEObject(
            new JWEHeader.Builder(JWEAlgorithm.RSA_OAEP_256, EncryptionMethod.A128GCM)
                .contentType("JWT")
                .build(),
            new Payload(Keys.rs256(Keys.claims().build())));
    nestedSigned.encrypt(new RSAEncrypter(RSA));
    assertThat(resolve(nestedSigned.serialize()))
        .isEqualTo(rejected(JwtIdentityResolver.ENCRYPTED_NOT_ACCEPTED));
  }

  @Test
  void unknownKidWithStaticKeys() {
    String token = Keys.sign(Keys.RSA_2, JWSAlgorithm.RS256, Keys.claims().build());
    assertThat(resolve(token)).isEqualTo(rejected(JwtIdentityResolver.UNKNOWN_KEY));
  }

  @Test
  void algorithmNotInTheAllowList() {
    String rs512 = Keys.sign(RSA, JWSAlgorithm.RS512, Keys.claims().build());
    assertThat(resolve(rs512)).isEqualTo(rejected(JwtIdentityResolver.ALGORITHM_NOT_ALLOWED));
  }

  // --- the shape of the header

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Basic dXNlcjpwYXNz",
        "Token eyJhbGciOiJSUzI1NiJ9.e30.e30",
        "Bearerx eyJhbGciOiJSUzI1NiJ9.e30.e30",
        "Bearer",
        "Bearer ",
        "Bearer sk_live_0123456789abcdefghij",
        "Bearer ak+/x0123456789abcdefghij==",
        "Bearer abc.def",
        "Bearer a.b.c.d",
        "Bearer Zm9v.YmFy.YmF6",
        "Bearer W10.e30.e30",
        "Bearer eyJhbGciOiJSUzI1NiJ9.e30.e30.e30.e30.e30",
        "Bearer .e30.e30",
        "Bearer eyJhbGciOiJSUzI1NiJ9 .e30.e30"
      })
  void notABearerJwtAbstains(String authorization) {
    assertThat(resolver.resolve(TestRequest.authorization(authorization))).isEqualTo(IdentityResult.abstain());
  }

  @Test
  void noAuthorizationHeaderAbstains() {
    assertThat(resolver.resolve(TestRequest.none())).isEqualTo(IdentityResult.abstain());
  }

  @Test
  void schemeIsCaseInsensitive() {
    String token = Keys.rs256(Keys.claims().build());
    for (String scheme : new String[] {"bearer ", "BEARER ", "BeArEr   "}) {
      assertThat(resolver.resolve(TestRequest.authorization(scheme + token + " "))).isEqualTo(agent7());
    }
  }

  @Test
  void twoAuthorizationHeaders() {
    String token = Keys.rs256(Keys.claims().build());
    assertThat(resolver.resolve(TestRequest.authorization("Bearer " + token, "Bearer " + token)))
        .isEqualTo(rejected(JwtIdentityResolver.MALFORMED));
    assertThat(resolver.resolve(TestRequest.authorization("Basic a", "Bearer " + token)))
        .isEqualTo(rejected(JwtIdentityResolver.MALFORMED));
    assertThat(resolver.resolve(TestRequest.authorization("Basic a", "Basic b")))
        .isEqualTo(IdentityResult.abstain());
  }

  @Test
  void tooLongIsMalformed() {
    String header = b64("{\"alg\":\"RS256\"}");
    String token = header + "." + "A".repeat(JwtIdentityResolver.MAX_TOKEN_LENGTH) + ".AAAA";
    assertThat(resolve(token)).isEqualTo(rejected(JwtIdentityResolver.MALFORMED));
  }

  @Test
  void nonCanonicalBase64IsMalformed() {
    String token = Keys.rs256(Keys.claims().build());
    // the RS256 signature is 256 bytes: 342 characters, the last one carrying 4 unused bits
    char last = token.charAt(token.length() - 1);
    char sibling = "AQgw".indexOf(last) >= 0 ? (char) (last + 1) : (char) (last - 1);
    String variant = token.substring(0, token.length() - 1) + sibling;
    assertThat(Base64URL.from(variant.split("\\.", -1)[2]).decode())
        .as("the same signature bytes")
        .isEqualTo(Base64URL.from(token.split("\\.", -1)[2]).decode());
    assertThat(resolve(variant)).isEqualTo(rejected(JwtIdentityResolver.MALFORMED));
  }

  @Test
  void headerWithoutAlgOrWithEncIsMalformed() {
    String rest = Keys.rs256(Keys.claims().build()).substring(Keys.rs256(Keys.claims().build()).indexOf('.'));
    assertThat(resolve(b64("{\"typ\":\"JWT\"}") + rest)).isEqualTo(rejected(JwtIdentityResolver.MALFORMED));
    assertThat(resolve(b64("{\"alg\":5}") + rest)).isEqualTo(rejected(JwtIdentityResolver.MALFORMED));
    assertThat(resolve(b64("{\"alg\":\"RS256\",\"enc\":\"A128GCM\"}") + rest))
        .isEqualTo(rejected(JwtIdentityResolver.MALFORMED));
  }

  @Test
  void signedPayloadThatIsNotJsonIsMalformed() throws JOSEException {
    JWSObject jws = new JWSObject(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rsa-1").build(), new Payload("hello"));
    jws.sign(new RSASSASigner(RSA));
    assertThat(resolve(jws.serialize())).isEqualTo(rejected(JwtIdentityResolver.MALFORMED));
  }

  @Test
  void deeplyNestedJsonIsRejectedNotThrown() {
    String header = b64("{\"alg\":\"RS256\",\"x\":" + "[".repeat(3000) + "]".repeat(3000) + "}");
    assertThat(resolve(header + ".e30.AAAA")).isIn(IdentityResult.abstain(), rejected(JwtIdentityResolver.MALFORMED),
        rejected(JwtIdentityResolver.BAD_SIGNATURE), rejected(JwtIdentityResolver.MISSING_CLAIM));
    String payload = b64("{\"a\":" + "[".repeat(3000) + "]".repeat(3000) + "}");
    String head = Keys.rs256(Keys.claims().build()).split("\\.", -1)[0];
    assertThat(resolve(head + "." + payload + ".AAAA")).isInstanceOf(IdentityResult.Rejected.class);
  }

  // --- identity

  @Test
  void scopesFromScope() {
    assertThat(resolve(Keys.rs256(c -> c.claim("scope", "orders:read  orders:write"))))
        .isEqualTo(new IdentityResult.Identified(
            new AgentIdentity("agent-7", AgentIdentity.DEFAULT_TIER, Set.of("orders:read", "orders:write"),
                IdentitySource.JWT)));
  }

  @Test
  void scopesFromScpStringAndArray() {
    IdentityResult expected =
        new IdentityResult.Identified(
            new AgentIdentity("agent-7", AgentIdentity.DEFAULT_TIER, Set.of("a", "b"), IdentitySource.JWT));
    assertThat(resolve(Keys.rs256(c -> c.claim("scp", "a b")))).isEqualTo(expected);
    assertThat(resolve(Keys.rs256(c -> c.claim("scp", List.of("a", "b"))))).isEqualTo(expected);
    assertThat(resolve(Keys.rs256(c -> c.claim("scope", "a b").claim("scp", List.of("c")))))
        .as("scope wins over scp")
        .isEqualTo(expected);
  }

  @Test
  void badScopesAreBadClaims() {
    assertThat(resolve(Keys.rs256(c -> c.claim("scp", List.of("a", 5)))))
        .isEqualTo(rejected(JwtIdentityResolver.BAD_CLAIMS));
    assertThat(resolve(Keys.rs256(c -> c.claim("scope", List.of("a")))))
        .isEqualTo(rejected(JwtIdentityResolver.BAD_CLAIMS));
    assertThat(resolve(Keys.rs256(c -> c.claim("scope", "a\u0000b"))))
        .isEqualTo(rejected(JwtIdentityResolver.BAD_CLAIMS));
  }

  @Test
  void tierClaim() {
    JwtIdentityResolver tiered = staticKeys().tierClaim("plan").build();
    assertThat(tiered.resolve(TestRequest.bearer(Keys.rs256(c -> c.claim("plan", "pro")))))
        .isEqualTo(new IdentityResult.Identified(AgentIdentity.of("agent-7", IdentitySource.JWT).withTier("pro")));
    assertThat(tiered.resolve(TestRequest.bearer(Keys.rs256(Keys.claims().build()))))
        .as("absent: the default tier")
        .isEqualTo(agent7());
    assertThat(tiered.resolve(TestRequest.bearer(Keys.rs256(c -> c.claim("plan", 3)))))
        .isEqualTo(rejected(JwtIdentityResolver.BAD_CLAIMS));
    assertThat(tiered.resolve(TestRequest.bearer(Keys.rs256(c -> c.claim("plan", " ")))))
        .isEqualTo(rejected(JwtIdentityResolver.BAD_CLAIMS));
  }

  @Test
  void customAgentIdClaim() {
    JwtIdentityResolver byClient = staticKeys().agentIdClaim("client_id").build();
    assertThat(byClient.resolve(TestRequest.bearer(Keys.rs256(c -> c.claim("client_id", "bot-1")))))
        .isEqualTo(new IdentityResult.Identified(AgentIdentity.of("bot-1", IdentitySource.JWT)));
    assertThat(byClient.resolve(TestRequest.bearer(Keys.rs256(Keys.claims().build()))))
        .isEqualTo(rejected(JwtIdentityResolver.MISSING_CLAIM));
  }

  @Test
  void badClaimValues() {
    for (JWTClaimsSet claims :
        List.of(
            Keys.claims().subject("agent\u0007").build(),
            Keys.claims().subject("agent\n7").build(),
            Keys.claims().subject("a".repeat(1000)).build(),
            Keys.claims().subject("").build(),
            Keys.claims().claim("sub", List.of("agent-7")).build())) {
      assertThat(resolve(Keys.rs256(claims))).as(claims.toString()).isEqualTo(rejected(JwtIdentityResolver.BAD_CLAIMS));
    }
  }

  @Test
  void numericSubIsItsDecimalStringAsNimbusReadsIt() {
    assertThat(resolve(Keys.rs256(c -> c.claim("sub", 42))))
        .isEqualTo(new IdentityResult.Identified(AgentIdentity.of("42", IdentitySource.JWT)));
    JwtIdentityResolver byClient = staticKeys().agentIdClaim("client_id").build();
    assertThat(byClient.resolve(TestRequest.bearer(Keys.rs256(c -> c.claim("client_id", 42)))))
        .as("other claims must be strings")
        .isEqualTo(rejected(JwtIdentityResolver.BAD_CLAIMS));
  }

  @Test
  void registeredClaimOfTheWrongTypeIsBadClaims() {
    assertThat(resolve(Keys.rs256(c -> c.claim("exp", "tomorrow"))))
        .isEqualTo(rejected(JwtIdentityResolver.BAD_CLAIMS));
    assertThat(resolve(Keys.rs256(c -> c.claim("iss", 7))))
        .isEqualTo(rejected(JwtIdentityResolver.BAD_CLAIMS));
  }

  // --- the verified-token cache

  @Test
  void cacheHitStillChecksExpiry() {
    JwtIdentityResolver cached = staticKeys().verifiedTokenCache(100).build();
    String token = Keys.rs256(c -> c.expirationTime(Date.from(NOW.plusSeconds(60))));
    assertThat(cached.resolve(TestRequest.bearer(token))).isEqualTo(agent7());
    assertThat(cached.verifiedTokenCacheSize()).isEqualTo(1);
    assertThat(cached.resolve(TestRequest.bearer(token))).isEqualTo(agent7());
    clock.advance(Duration.ofSeconds(89));
    assertThat(cached.resolve(TestRequest.bearer(token))).as("within skew").isEqualTo(agent7());
    clock.advance(Duration.ofSeconds(1));
    assertThat(cached.resolve(TestRequest.bearer(token))).isEqualTo(rejected(JwtIdentityResolver.EXPIRED));
    assertThat(cached.verifiedTokenCacheSize()).isZero();
  }

  @Test
  void cacheEntryDisappearsAtExpiry() {
    JwtIdentityResolver cached = staticKeys().verifiedTokenCache(100).build();
    String token = Keys.rs256(c -> c.expirationTime(Date.from(NOW.plusSeconds(60))));
    assertThat(cached.resolve(TestRequest.bearer(token))).isEqualTo(agent7());
    clock.advance(Duration.ofSeconds(60));
    assertThat(cached.verifiedTokenCacheSize()).isZero();
    assertThat(cached.resolve(TestRequest.bearer(token))).as("re-verified, within skew").isEqualTo(agent7());
  }

  @Test
  void badTokensCreateNoState() {
    JwtIdentityResolver cached = staticKeys().verifiedTokenCache(100_000).build();
    String valid = Keys.rs256(Keys.claims().build());
    String[] parts = valid.split("\\.", -1);
    String expired = Keys.rs256(c -> c.expirationTime(Date.from(NOW.minusSeconds(3600))));
    String wrongIssuer = Keys.rs256(c -> c.issuer("https://evil.example"));
    String unknownKey = Keys.sign(Keys.RSA_2, JWSAlgorithm.RS256, Keys.claims().build());
    for (int i = 0; i < 10_000; i++) {
      String bad =
          switch (i % 5) {
            case 0 -> parts[0] + "." + b64("{\"sub\":\"agent-" + i + "\",\"iss\":\"" + ISSUER + "\"}") + "." + parts[2];
            case 1 -> expired;
            case 2 -> wrongIssuer;
            case 3 -> unknownKey;
            default -> new PlainJWT(Keys.claims().subject("agent-" + i).build()).serialize();
          };
      assertThat(cached.resolve(TestRequest.bearer(bad))).isInstanceOf(IdentityResult.Rejected.class);
    }
    assertThat(cached.verifiedTokenCacheSize()).isZero();
  }

  @Test
  void causesAreDistinct() {
    assertThat(JwtIdentityResolver.CAUSES).hasSize(12);
  }
}
