package dev.agentlimiter.api;

import java.util.Objects;
import java.util.Set;

/**
 * Who is calling, as the server established it. All per-agent state is keyed on {@link #id()}; it must come
 * from a credential the server verified, never from a header the caller sets freely.
 *
 * @param id the stable agent id; non-empty, at most {@value #MAX_ID_LENGTH} characters, no control
 *     characters
 * @param tier the plan or tier that selects policy overrides, for example {@code "free"} or {@code "pro"}
 * @param scopes the permissions granted to this identity (an immutable copy is kept)
 * @param source how the identity was established
 */
public record AgentIdentity(String id, String tier, Set<String> scopes, IdentitySource source) {

  /** The longest accepted agent id, so that a hostile id cannot make per-agent state large. */
  public static final int MAX_ID_LENGTH = 256;

  /** The tier of identities that name none. */
  public static final String DEFAULT_TIER = "default";

  /**
   * Validates and copies.
   *
   * @throws IllegalArgumentException if the id is empty, longer than {@value #MAX_ID_LENGTH} characters or
   *     contains a control character, or if the tier is blank
   */
  public AgentIdentity {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(tier, "tier");
    Objects.requireNonNull(source, "source");
    if (id.isEmpty() || id.length() > MAX_ID_LENGTH) {
      throw new IllegalArgumentException(
          "agent id: length must be in [1, " + MAX_ID_LENGTH + "] but was " + id.length());
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (Character.isISOControl(c)) {
        throw new IllegalArgumentException("agent id: control character at index " + i);
      }
    }
    if (tier.isBlank()) {
      throw new IllegalArgumentException("agent tier: must not be blank");
    }
    scopes = Set.copyOf(scopes);
  }

  /** An identity in the {@linkplain #DEFAULT_TIER default tier} with no scopes. */
  public static AgentIdentity of(String id, IdentitySource source) {
    return new AgentIdentity(id, DEFAULT_TIER, Set.of(), source);
  }

  /** This identity in another tier. */
  public AgentIdentity withTier(String newTier) {
    return new AgentIdentity(id, newTier, scopes, source);
  }

  /** This identity with other scopes. */
  public AgentIdentity withScopes(Set<String> newScopes) {
    return new AgentIdentity(id, tier, newScopes, source);
  }
}
