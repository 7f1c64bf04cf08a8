package dev.agentlimiter.api;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What an API key stands for, as an {@link ApiKeyStore} holds it: the key's hash (never the key), the
 * identity it grants, when it expires, and whether it was revoked. Immutable.
 *
 * @param hash the SHA-256 of the key
 * @param identity the identity the key grants; its source should be {@link IdentitySource#API_KEY}
 * @param expiresAt the first instant at which the key is refused, or {@code null} if it never expires
 * @param revoked whether the key was revoked (kept so the audit log can say so)
 */
public record ApiKeyEntry(
    ApiKeyHash hash, AgentIdentity identity, @Nullable Instant expiresAt, boolean revoked) {

  /** Validates. */
  public ApiKeyEntry {
    Objects.requireNonNull(hash, "hash");
    Objects.requireNonNull(identity, "identity");
  }

  /** Whether the key is usable at {@code now}: not revoked and not expired. */
  public boolean isLive(Instant now) {
    return !revoked && (expiresAt == null || now.isBefore(expiresAt));
  }
}
