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
   * <p>The constants are the causes of every rejection the limiter's own resolvers give (and those a
   * resolver of yours may reuse), each written once: the core module's resolvers, the JWT module's and
   * the limiter's {@link #RESOLVER_ERROR} all name them from here.
   *
   * @param cause a stable, machine-readable cause such as {@link #EXPIRED} or {@link #BAD_SIGNATURE}; it
   *     goes to the decision, the decision event and the audit log, not to the caller
   */
  record Rejected(String cause) implements IdentityResult {

    /**
     * The credential is not even shaped like one: its length or characters, two headers, a token that is
     * not well formed.
     */
    public static final String MALFORMED = "malformed";

    /** No key that could verify the credential is known: no API key has its hash, no JWK its key id. */
    public static final String UNKNOWN_KEY = "unknown-key";

    /** The key was revoked. */
    public static final String REVOKED = "revoked";

    /** The credential (a key, a certificate, a token) has expired. */
    public static final String EXPIRED = "expired";

    /** The credential is not valid yet (a token's {@code nbf} is ahead). */
    public static final String NOT_YET_VALID = "not-yet-valid";

    /** The key store failed; the credential is refused, never admitted. */
    public static final String STORE_UNAVAILABLE = "store-unavailable";

    /** The keys that verify signatures (a JWK set) could not be had, and no cached ones are valid. */
    public static final String KEYS_UNAVAILABLE = "keys-unavailable";

    /** A client certificate carries no usable name. */
    public static final String NO_CERTIFICATE_NAME = "no-certificate-name";

    /** Mapping the authenticated principal to an identity failed (the mapping threw). */
    public static final String BAD_PRINCIPAL = "bad-principal";

    /** The resolver itself failed (it threw); the credential is refused, never admitted. */
    public static final String RESOLVER_ERROR = "resolver-error";

    /** The token's signature algorithm is not allowed (always the case for {@code none}). */
    public static final String ALGORITHM_NOT_ALLOWED = "algorithm-not-allowed";

    /** The token is encrypted (a JWE); encrypted tokens are never accepted. */
    public static final String ENCRYPTED_NOT_ACCEPTED = "encrypted-not-accepted";

    /** The signature does not verify with any matching key. */
    public static final String BAD_SIGNATURE = "bad-signature";

    /** A claim that is required (expiry, issuer, audience, the agent id) is absent. */
    public static final String MISSING_CLAIM = "missing-claim";

    /** The token's issuer is not the configured one. */
    public static final String WRONG_ISSUER = "wrong-issuer";

    /** The token's audience does not contain the configured one. */
    public static final String WRONG_AUDIENCE = "wrong-audience";

    /** A claim has a value that cannot be used: a wrong type, an agent id, tier or scope that is not valid. */
    public static final String BAD_CLAIMS = "bad-claims";

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
