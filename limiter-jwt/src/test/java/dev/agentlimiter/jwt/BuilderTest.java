package dev.agentlimiter.jwt;

import static dev.agentlimiter.jwt.Keys.AUDIENCE;
import static dev.agentlimiter.jwt.Keys.EC;
import static dev.agentlimiter.jwt.Keys.HMAC_SECRET;
import static dev.agentlimiter.jwt.Keys.ISSUER;
import static dev.agentlimiter.jwt.Keys.RSA;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.gen.OctetSequenceKeyGenerator;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BuilderTest {

  private static JwtIdentityResolver.Builder minimal() {
    return JwtIdentityResolver.newBuilder().issuer(ISSUER).audience(AUDIENCE).allowedAlgorithms("RS256");
  }

  @ParameterizedTest
  @ValueSource(strings = {"none", "None", "NONE", " none "})
  void noneCanNeverBeAllowed(String name) {
    assertThatThrownBy(() -> JwtIdentityResolver.newBuilder().allowedAlgorithms("RS256", name))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("allowedAlgorithms")
        .hasMessageContaining("'" + name + "'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"rs256", "EdDSA", "ES256K", "RSA-OAEP-256", "HS1", ""})
  void unsupportedAlgorithms(String name) {
    assertThatThrownBy(() -> JwtIdentityResolver.newBuilder().allowedAlgorithms(name))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("allowedAlgorithms: must be one of")
        .hasMessageContaining("'" + name + "'");
  }

  @Test
  void eachOptionOnce() {
    assertThatThrownBy(() -> minimal().issuer("x")).isInstanceOf(IllegalStateException.class).hasMessageContaining("issuer");
    assertThatThrownBy(() -> minimal().audience("x")).isInstanceOf(IllegalStateException.class).hasMessageContaining("audience");
    assertThatThrownBy(() -> minimal().allowedAlgorithms("ES256"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("allowedAlgorithms");
    assertThatThrownBy(() -> minimal().keys(Keys.publicSet(RSA)).keys(Keys.publicSet(RSA)))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> minimal().keys(Keys.publicSet(RSA)).jwksUri(URI.create("https://idp.example/jwks")))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> minimal().clockSkew(Duration.ZERO).clockSkew(Duration.ZERO))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> minimal().verifiedTokenCache(1).verifiedTokenCache(1))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> minimal().hmacSecret(HMAC_SECRET).hmacSecret(HMAC_SECRET))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void requiredOptions() {
    assertThatThrownBy(() -> JwtIdentityResolver.newBuilder().build()).hasMessageContaining("issuer: required");
    assertThatThrownBy(() -> JwtIdentityResolver.newBuilder().issuer(ISSUER).build())
        .hasMessageContaining("audience: required");
    assertThatThrownBy(() -> JwtIdentityResolver.newBuilder().issuer(ISSUER).audience(AUDIENCE).build())
        .hasMessageContaining("allowedAlgorithms: required");
    assertThatThrownBy(() -> minimal().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("keys or jwksUri: required for [RS256]");
  }

  @Test
  void keysMustFitTheAlgorithms() {
    assertThatThrownBy(
            () -> JwtIdentityResolver.newBuilder().issuer(ISSUER).audience(AUDIENCE).allowedAlgorithms("HS256").build())
        .hasMessageContaining("hmacSecret: required for [HS256]");
    assertThatThrownBy(() -> minimal().keys(Keys.publicSet(RSA)).hmacSecret(HMAC_SECRET).build())
        .hasMessageContaining("no HS* algorithm");
    assertThatThrownBy(
            () ->
                JwtIdentityResolver.newBuilder()
                    .issuer(ISSUER)
                    .audience(AUDIENCE)
                    .allowedAlgorithms("HS512")
                    .hmacSecret(HMAC_SECRET)
                    .build())
        .hasMessageContaining("hmacSecret: must be at least 64 bytes for HS512 but was 32 bytes");
    assertThatThrownBy(() -> minimal().hmacSecret(new byte[16]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("hmacSecret: must be at least 32 bytes but was 16 bytes");
  }

  @Test
  void keysMustBePublicRsaOrEc() throws Exception {
    assertThatThrownBy(() -> minimal().keys(new JWKSet(RSA).toString(false)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("keys: key 'rsa-1' must be a public key");
    OctetSequenceKey oct = new OctetSequenceKeyGenerator(256).keyID("oct-1").generate();
    assertThatThrownBy(() -> minimal().keys(new JWKSet(oct).toString(false)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("keys: key 'oct-1' must be RSA or EC but was oct");
    assertThatThrownBy(() -> minimal().keys("{\"keys\":[]}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("keys: must hold at least one key");
    assertThatThrownBy(() -> minimal().keys("not json"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("keys: must be a JWK Set document");
    minimal().keys(Keys.publicSet(RSA, EC)).build();
  }

  @Test
  void jwksUriMustBeHttpsOrLoopback() {
    assertThatThrownBy(() -> minimal().jwksUri(URI.create("http://idp.example/jwks")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("jwksUri: must be https (http only for a loopback host) but was http://idp.example/jwks");
    assertThatThrownBy(() -> minimal().jwksUri(URI.create("/jwks"))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> minimal().jwksUri(URI.create("file:///etc/jwks"))).isInstanceOf(IllegalArgumentException.class);
    minimal().jwksUri(URI.create("http://127.0.0.1:8080/jwks")).build();
    minimal().jwksUri(URI.create("http://localhost/jwks")).build();
    minimal().jwksUri(URI.create("http://[::1]/jwks")).build();
    minimal().jwksUri(URI.create("https://idp.example/.well-known/jwks.json")).build();
  }

  @Test
  void rangesNameTheOptionAndTheValue() {
    assertThatThrownBy(() -> minimal().clockSkew(Duration.ofMinutes(6)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("clockSkew: must be in [PT0S, PT5M] but was PT6M");
    assertThatThrownBy(() -> minimal().clockSkew(Duration.ofMillis(1500)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("clockSkew: must be whole seconds but was PT1.5S");
    assertThatThrownBy(() -> minimal().clockSkew(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> minimal().verifiedTokenCache(0))
        .hasMessage("verifiedTokenCache: maximumSize must be in [1, 10000000] but was 0");
    assertThatThrownBy(() -> minimal().issuer(" ")).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> JwtIdentityResolver.newBuilder().issuer(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("issuer: must not be blank but was ' '");
    assertThatThrownBy(() -> minimal().jwksCacheTimeToLive(Duration.ofSeconds(5)))
        .hasMessageContaining("jwksCacheTimeToLive: must be in");
    assertThatThrownBy(() -> minimal().jwksSizeLimit(10)).hasMessageContaining("jwksSizeLimit");
  }

  @Test
  void jwksOptionsNeedAJwksUri() {
    assertThatThrownBy(() -> minimal().keys(Keys.publicSet(RSA)).jwksCacheTimeToLive(Duration.ofMinutes(10)).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("jwksUri");
    assertThatThrownBy(
            () ->
                minimal()
                    .jwksUri(URI.create("https://idp.example/jwks"))
                    .jwksCacheTimeToLive(Duration.ofMinutes(1))
                    .jwksRefetchInterval(Duration.ofMinutes(1))
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("jwksRefetchInterval: must be less than jwksCacheTimeToLive");
  }
}
