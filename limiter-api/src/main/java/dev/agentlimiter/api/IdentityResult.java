package dev.agentlimiter.api;

import java.util.Objects;

/**
 * What an {@link IdentityResolver} concluded about a request. Immutable.
 */
@Beta
public sealed interface IdentityResult {

  /** The resolver established an identity. */
  record Identified(AgentIdentity identity) implements IdentityResult {
    /** Validates. */
    public Identified {
      Objects.requireNonNull(identity, "identity");
    }
  }

  /** The request carries nothing this resolver understands; the next resolver is asked. */
  record Abstained() implements IdentityResult {
    private static final Abstained INSTANCE = new Abstained();
  }

  /**
   * The request carries a credential this resolver understands, and it failed verification. The chain
   * stops: a bad credential never falls through to a weaker resolver.
   *
   * @param cause a stable, machine-readable cause such as {@code "expired"} or {@code "bad-signature"}; it
   *     goes to the audit log, not to the caller
   */
  record Rejected(String cause) implements IdentityResult {
    /** Validates. */
    public Rejected {
      Objects.requireNonNull(cause, "cause");
    }
  }

  /** A shared {@link Abstained}. */
  static IdentityResult abstain() {
    return Abstained.INSTANCE;
  }
}
