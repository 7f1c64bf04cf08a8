package dev.agentlimiter.jwt;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.IdentitySource;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Builds the {@link AgentIdentity} from verified claims: the agent id from one claim, the tier from an
 * optional claim, the scopes from {@code scope} (a space-separated string) or, if that is absent, from
 * {@code scp} (a space-separated string or an array of strings). Returns {@code null} for any value that is
 * not acceptable. Immutable.
 */
final class IdentityClaims {

  static final String SCOPE = "scope";
  static final String SCP = "scp";
  static final int MAX_SCOPES = 256;
  static final int MAX_SCOPE_LENGTH = 256;
  static final int MAX_TIER_LENGTH = 64;

  private final String agentIdClaim;
  private final @Nullable String tierClaim;

  IdentityClaims(String agentIdClaim, @Nullable String tierClaim) {
    this.agentIdClaim = agentIdClaim;
    this.tierClaim = tierClaim;
  }

  @Nullable AgentIdentity identity(JWTClaimsSet claims) {
    if (!(claims.getClaim(agentIdClaim) instanceof String id)) {
      return null;
    }
    String tier = AgentIdentity.DEFAULT_TIER;
    if (tierClaim != null) {
      Object value = claims.getClaim(tierClaim);
      if (value != null) {
        if (!(value instanceof String s) || !word(s, MAX_TIER_LENGTH)) {
          return null;
        }
        tier = s;
      }
    }
    Set<String> scopes = scopes(claims);
    if (scopes == null) {
      return null;
    }
    try {
      return new AgentIdentity(id, tier, scopes, IdentitySource.JWT);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static @Nullable Set<String> scopes(JWTClaimsSet claims) {
    Object scope = claims.getClaim(SCOPE);
    if (scope != null) {
      return scope instanceof String s ? split(s) : null;
    }
    Object scp = claims.getClaim(SCP);
    if (scp == null) {
      return Set.of();
    }
    if (scp instanceof String s) {
      return split(s);
    }
    if (!(scp instanceof List<?> list) || list.size() > MAX_SCOPES) {
      return null;
    }
    Set<String> scopes = new HashSet<>();
    for (Object element : list) {
      if (!(element instanceof String s) || !word(s, MAX_SCOPE_LENGTH)) {
        return null;
      }
      scopes.add(s);
    }
    return scopes;
  }

  private static @Nullable Set<String> split(String spaceSeparated) {
    Set<String> scopes = new HashSet<>();
    for (String s : spaceSeparated.split(" ", -1)) {
      if (s.isEmpty()) {
        continue;
      }
      if (!word(s, MAX_SCOPE_LENGTH) || scopes.size() == MAX_SCOPES) {
        return null;
      }
      scopes.add(s);
    }
    return scopes;
  }

  /**
   * Non-empty, at most {@code maxLength} characters, no whitespace or control characters: what a token may
   * claim. For a tier this is stricter than {@link dev.agentlimiter.api.Grammar#isTier} (every word is a
   * tier); a scope claim may hold words that are not {@linkplain dev.agentlimiter.api.Grammar#isScope
   * scopes}, which no route can require.
   */
  private static boolean word(String s, int maxLength) {
    if (s.isEmpty() || s.length() > maxLength) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isISOControl(c) || Character.isWhitespace(c)) {
        return false;
      }
    }
    return true;
  }
}
