package dev.agentlimiter.jwt;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.KeyType;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.JWSKeySelector;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import java.security.Key;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.crypto.SecretKey;
import org.jspecify.annotations.Nullable;

/**
 * Selects verification keys so that each key verifies only its own algorithm family: the configured HMAC
 * secret only {@code HS*}; RSA public keys of the JWK set only {@code RS*} and {@code PS*}; EC public keys
 * only {@code ES*} on the algorithm's curve. A public key can therefore never be used as an HMAC secret.
 * Fails with a {@link KeyRefusal}: algorithm-not-allowed, or unknown-key when no key matches (after the
 * JWK source's bounded refetch). Thread-safe.
 */
final class FamilyKeySelector implements JWSKeySelector<SecurityContext> {

  private final Set<JWSAlgorithm> hmacAlgorithms;
  private final List<Key> hmacKeys;
  private final @Nullable JWSVerificationKeySelector<SecurityContext> publicKeys;

  FamilyKeySelector(
      Set<JWSAlgorithm> hmacAlgorithms,
      @Nullable SecretKey hmacSecret,
      Set<JWSAlgorithm> publicKeyAlgorithms,
      @Nullable JWKSource<SecurityContext> jwkSource) {
    this.hmacAlgorithms = Set.copyOf(hmacAlgorithms);
    this.hmacKeys = hmacSecret == null ? List.of() : List.of(hmacSecret);
    this.publicKeys =
        jwkSource == null || publicKeyAlgorithms.isEmpty()
            ? null
            : new CurveBoundKeySelector(Set.copyOf(publicKeyAlgorithms), jwkSource);
  }

  @Override
  public List<? extends Key> selectJWSKeys(JWSHeader header, @Nullable SecurityContext context)
      throws KeySourceException {
    JWSAlgorithm alg = header.getAlgorithm();
    if (JWSAlgorithm.Family.HMAC_SHA.contains(alg)) {
      if (!hmacAlgorithms.contains(alg) || hmacKeys.isEmpty()) {
        throw new KeyRefusal(JwtIdentityResolver.ALGORITHM_NOT_ALLOWED);
      }
      return hmacKeys;
    }
    JWSVerificationKeySelector<SecurityContext> selector = publicKeys;
    if (selector == null || !selector.isAllowed(alg)) {
      throw new KeyRefusal(JwtIdentityResolver.ALGORITHM_NOT_ALLOWED);
    }
    boolean rsa = JWSAlgorithm.Family.RSA.contains(alg);
    boolean ec = JWSAlgorithm.Family.EC.contains(alg);
    List<Key> keys = new ArrayList<>(2);
    for (Key key : selector.selectJWSKeys(header, context)) {
      if ((rsa && key instanceof RSAPublicKey) || (ec && key instanceof ECPublicKey)) {
        keys.add(key);
      }
    }
    if (keys.isEmpty()) {
      throw new KeyRefusal(JwtIdentityResolver.UNKNOWN_KEY);
    }
    return keys;
  }

  /**
   * nimbus's selector, except that an EC key must also be on the algorithm's curve (nimbus's default
   * matcher checks the key type only).
   */
  private static final class CurveBoundKeySelector extends JWSVerificationKeySelector<SecurityContext> {

    CurveBoundKeySelector(Set<JWSAlgorithm> algorithms, JWKSource<SecurityContext> source) {
      super(algorithms, source);
    }

    @Override
    protected @Nullable JWKMatcher createJWKMatcher(JWSHeader header) {
      JWSAlgorithm alg = header.getAlgorithm();
      if (!isAllowed(alg)) {
        return null;
      }
      JWKMatcher.Builder matcher =
          new JWKMatcher.Builder()
              .keyType(KeyType.forAlgorithm(alg))
              .keyID(header.getKeyID())
              .keyUses(KeyUse.SIGNATURE, null)
              .algorithms(alg, null)
              .x509CertSHA256Thumbprint(header.getX509CertSHA256Thumbprint());
      if (JWSAlgorithm.Family.EC.contains(alg)) {
        matcher.curves(Curve.forJWSAlgorithm(alg));
      }
      return matcher.build();
    }
  }
}
