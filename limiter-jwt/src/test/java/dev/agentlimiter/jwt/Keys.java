package dev.agentlimiter.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.function.UnaryOperator;

/** Real keys, generated once per JVM, and tokens signed with them. */
final class Keys {

  static final String ISSUER = "https://issuer.example";
  static final String AUDIENCE = "orders-api";
  static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");

  static final RSAKey RSA = rsa("rsa-1");
  static final RSAKey RSA_2 = rsa("rsa-2");
  static final ECKey EC = ec("ec-1");
  static final byte[] HMAC_SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  private Keys() {}

  static RSAKey rsa(String kid) {
    try {
      return new RSAKeyGenerator(2048).keyID(kid).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  static ECKey ec(String kid) {
    try {
      return new ECKeyGenerator(Curve.P_256).keyID(kid).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The public JWK set document of these keys. */
  static String publicSet(JWK... keys) {
    return new JWKSet(Arrays.stream(keys).map(JWK::toPublicJWK).toList()).toString();
  }

  /** Claims valid at {@link #NOW} for ten minutes, for agent-7. */
  static JWTClaimsSet.Builder claims() {
    return new JWTClaimsSet.Builder()
        .issuer(ISSUER)
        .audience(List.of(AUDIENCE, "other-api"))
        .subject("agent-7")
        .issueTime(Date.from(NOW))
        .expirationTime(Date.from(NOW.plus(Duration.ofMinutes(10))));
  }

  static String rs256(JWTClaimsSet claims) {
    return sign(RSA, JWSAlgorithm.RS256, claims);
  }

  static String rs256(UnaryOperator<JWTClaimsSet.Builder> edit) {
    return rs256(edit.apply(claims()).build());
  }

  static String es256(JWTClaimsSet claims) {
    return sign(EC, JWSAlgorithm.ES256, claims);
  }

  static String hs256(byte[] secret, JWTClaimsSet claims) {
    try {
      SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
      jwt.sign(new MACSigner(secret));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  static String sign(JWK key, JWSAlgorithm alg, JWTClaimsSet claims) {
    try {
      JWSHeader header =
          new JWSHeader.Builder(alg).keyID(key.getKeyID()).type(JOSEObjectType.JWT).build();
      SignedJWT jwt = new SignedJWT(header, claims);
      if (key instanceof RSAKey rsa) {
        jwt.sign(new RSASSASigner(rsa));
      } else {
        jwt.sign(new ECDSASigner((ECKey) key));
      }
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }
}
