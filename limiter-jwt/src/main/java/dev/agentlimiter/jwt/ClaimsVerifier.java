package dev.agentlimiter.jwt;

import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimNames;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.ExpiredJWTException;
import java.time.Clock;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * nimbus's {@link DefaultJWTClaimsVerifier} with the exact issuer, the audience and the required claims,
 * reading the injected clock, and failing with a {@link ClaimsRefusal} that names the cause. Thread-safe.
 */
final class ClaimsVerifier extends DefaultJWTClaimsVerifier<SecurityContext> {

  // DefaultJWTClaimsVerifier's messages (nimbus-jose-jwt 10.x); the tests pin each mapping
  private static final String AUDIENCE_REJECTED = "JWT aud claim rejected";
  private static final String ISSUER_REJECTED = "JWT iss claim value rejected";
  private static final String BEFORE_USE_TIME = "JWT before use time";
  private static final String MISSING_PREFIX = "JWT missing required";

  private final Clock clock;
  private final List<String> requiredInOrder;

  ClaimsVerifier(String issuer, String audience, String agentIdClaim, int clockSkewSeconds, Clock clock) {
    super(
        Set.of(audience),
        new JWTClaimsSet.Builder().issuer(issuer).build(),
        required(agentIdClaim),
        null);
    setMaxClockSkew(clockSkewSeconds);
    this.clock = clock;
    this.requiredInOrder = List.copyOf(required(agentIdClaim));
  }

  private static Set<String> required(String agentIdClaim) {
    Set<String> names = new LinkedHashSet<>();
    names.add(JWTClaimNames.EXPIRATION_TIME);
    names.add(JWTClaimNames.ISSUER);
    names.add(JWTClaimNames.AUDIENCE);
    names.add(agentIdClaim);
    return names;
  }

  @Override
  @SuppressWarnings("JavaUtilDate") // nimbus's API
  protected Date currentTime() {
    return new Date(clock.millis());
  }

  @Override
  public void verify(JWTClaimsSet claimsSet, @Nullable SecurityContext context) throws BadJWTException {
    for (String name : requiredInOrder) {
      if (claimsSet.getClaim(name) == null) {
        throw new ClaimsRefusal(JwtIdentityResolver.MISSING_CLAIM);
      }
    }
    try {
      super.verify(claimsSet, context);
    } catch (ExpiredJWTException e) {
      throw new ClaimsRefusal(JwtIdentityResolver.EXPIRED);
    } catch (BadJWTException e) {
      throw new ClaimsRefusal(causeOf(e.getMessage()));
    }
  }

  /** Maps a message of {@link DefaultJWTClaimsVerifier} to a cause; an unknown one to bad-claims. */
  static String causeOf(@Nullable String message) {
    if (message == null) {
      return JwtIdentityResolver.BAD_CLAIMS;
    }
    if (message.equals(AUDIENCE_REJECTED)) {
      return JwtIdentityResolver.WRONG_AUDIENCE;
    }
    if (message.equals(ISSUER_REJECTED)) {
      return JwtIdentityResolver.WRONG_ISSUER;
    }
    if (message.equals(BEFORE_USE_TIME)) {
      return JwtIdentityResolver.NOT_YET_VALID;
    }
    if (message.startsWith(MISSING_PREFIX)) {
      return JwtIdentityResolver.MISSING_CLAIM;
    }
    return JwtIdentityResolver.BAD_CLAIMS;
  }
}
