package dev.agentlimiter.core.identity;

import dev.agentlimiter.api.ApiKeyEntry;
import dev.agentlimiter.api.ApiKeyHash;
import dev.agentlimiter.api.ApiKeyStore;
import dev.agentlimiter.api.IdentityResolver;
import dev.agentlimiter.api.IdentityResult;
import dev.agentlimiter.api.RequestView;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

/**
 * Resolves API keys from {@code Authorization: Bearer <key>} or a named header. Hashes the presented key,
 * looks the hash up, compares it in constant time. A failed lookup creates no state anywhere. Thread-safe.
 */
final class ApiKeyResolver implements IdentityResolver {

  private final ApiKeyStore store;
  private final String header;
  private final boolean bearer;
  private final Clock clock;

  ApiKeyResolver(ApiKeyStore store, String header, Clock clock) {
    this.store = store;
    this.header = header;
    this.bearer = header.equalsIgnoreCase("Authorization");
    this.clock = clock;
  }

  @Override
  public IdentityResult resolve(RequestView request) {
    List<String> values = request.headers(header);
    if (values.isEmpty()) {
      return IdentityResult.abstain();
    }
    String presented;
    if (bearer) {
      String credentials = bearerToken(values);
      if (credentials == null) {
        return IdentityResult.abstain(); // another scheme (Basic, ...): not ours
      }
      presented = credentials;
    } else {
      presented = values.get(0);
    }
    if (values.size() > 1 || !ApiKeyHash.isWellFormed(presented)) {
      return new IdentityResult.Rejected(IdentityResult.Rejected.MALFORMED);
    }
    ApiKeyHash hash = ApiKeyHash.of(presented);
    ApiKeyEntry entry;
    try {
      entry = store.find(hash);
    } catch (RuntimeException e) {
      return new IdentityResult.Rejected(IdentityResult.Rejected.STORE_UNAVAILABLE);
    }
    if (entry == null || !entry.hash().matches(hash)) {
      return new IdentityResult.Rejected(IdentityResult.Rejected.UNKNOWN_KEY);
    }
    if (entry.revoked()) {
      return new IdentityResult.Rejected(IdentityResult.Rejected.REVOKED);
    }
    Instant expiresAt = entry.expiresAt();
    if (expiresAt != null && !clock.instant().isBefore(expiresAt)) {
      return new IdentityResult.Rejected(IdentityResult.Rejected.EXPIRED);
    }
    return new IdentityResult.Identified(entry.identity());
  }

  /**
   * The credentials of a {@code Bearer} authorization (scheme case-insensitive, RFC 9110), or {@code null}
   * if the first value uses another scheme. An empty or space-padded token is returned as is, and then
   * refused as malformed.
   */
  static @org.jspecify.annotations.Nullable String bearerToken(List<String> values) {
    String value = values.get(0);
    if (!value.regionMatches(true, 0, "bearer ", 0, 7)) {
      return value.equalsIgnoreCase("bearer") ? "" : null;
    }
    return value.substring(7);
  }
}
