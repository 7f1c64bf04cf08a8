package dev.agentlimiter.api;

/**
 * Establishes who is calling. Resolvers form a chain; the first that does not
 * {@linkplain IdentityResult.Abstained abstain} decides. Implementations must be thread-safe, must not
 * block on the network in the common case (cache keys and key sets), and must not create per-identity state
 * for credentials that fail verification.
 */
@Beta
@FunctionalInterface
public interface IdentityResolver {

  /** Resolves the identity of one request. Never throws for a malformed credential: it rejects it. */
  IdentityResult resolve(RequestView request);
}
