package dev.agentlimiter.api;

import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Who is calling, as the server established it: an id, a tier, scopes and the {@linkplain IdentitySource
 * source} that established it. All per-agent state is keyed on {@link #key()}, the source and the id
 * together, so identities of different sources never share state; the id must come from a credential the
 * server verified, never from a header the caller sets freely. Immutable and thread-safe; equal when id,
 * tier, scopes and source are.
 */
public final class AgentIdentity {

  /** The longest accepted agent id, so that a hostile id cannot make per-agent state large. */
  public static final int MAX_ID_LENGTH = 256;

  /** The tier of identities that name none. */
  public static final String DEFAULT_TIER = "default";

  private final String id;
  private final String tier;
  private final Set<String> scopes;
  private final IdentitySource source;
  private final String key;

  /**
   * Validates and copies.
   *
   * @param id the stable agent id; non-empty, at most {@value #MAX_ID_LENGTH} characters, no control
   *     characters
   * @param tier the plan or tier that selects policy overrides, for example {@code "free"} or {@code "pro"};
   *     a {@linkplain Grammar#isTier tier}: not blank
   * @param scopes the permissions granted to this identity (an immutable copy is kept)
   * @param source how the identity was established
   * @throws IllegalArgumentException if the id is empty, longer than {@value #MAX_ID_LENGTH} characters or
   *     contains a control character, or if the tier is blank
   */
  public AgentIdentity(String id, String tier, Set<String> scopes, IdentitySource source) {
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
    Grammar.checkTier("agent tier:", tier);
    this.id = id;
    this.tier = tier;
    this.scopes = Set.copyOf(scopes);
    this.source = source;
    this.key = keyOf(source, id);
  }

  /**
   * One control character per source before the id, none for {@link IdentitySource#IP} (the anonymous hot
   * path). Ids never contain control characters, so keys of different sources never collide.
   */
  private static String keyOf(IdentitySource source, String id) {
    return switch (source) {
      case IP -> id;
      case API_KEY -> "\u0001".concat(id);
      case JWT -> "\u0002".concat(id);
      case PRINCIPAL -> "\u0003".concat(id);
      case MTLS -> "\u0004".concat(id);
    };
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

  /** The stable agent id, as events, statuses and logs report it. */
  public String id() {
    return id;
  }

  /** The plan or tier that selects policy overrides. */
  public String tier() {
    return tier;
  }

  /** The permissions granted to this identity, immutable. */
  public Set<String> scopes() {
    return scopes;
  }

  /** How the identity was established. */
  public IdentitySource source() {
    return source;
  }

  /**
   * The key all of this agent's state is stored under: <b>equal for two identities exactly when their
   * source and id are</b> (tier and scopes do not matter), so an API key, a JWT subject and a client address
   * that read the same never share a bucket. Its format is not part of the API; it may contain characters
   * that are not printable and must not be shown.
   */
  @Beta
  public String key() {
    return key;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof AgentIdentity other
        && id.equals(other.id)
        && tier.equals(other.tier)
        && scopes.equals(other.scopes)
        && source == other.source;
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, tier, scopes, source);
  }

  @Override
  public String toString() {
    return "AgentIdentity[id=" + id + ", tier=" + tier + ", scopes=" + scopes + ", source=" + source + "]";
  }
}
