package dev.agentlimiter.api;

/**
 * Why the engine decided as it did. Each reason maps to one HTTP status in every adapter; see the HTTP
 * contract in {@code docs/http-contract.md}.
 */
public enum Reason {
  /** Every check passed; the request proceeds. */
  ALLOWED,
  /** A token bucket of a matching policy holds fewer tokens than the request costs (429). */
  RATE_LIMITED,
  /** The agent repeats the same request in a loop (429). */
  LOOP_DETECTED,
  /** The agent has too many requests in flight (429). */
  CONCURRENCY_LIMITED,
  /** The agent is in the penalty box for the lane (429). */
  QUARANTINED,
  /** No identity, or a credential that failed verification (401). */
  UNAUTHENTICATED,
  /** The identity lacks a scope the endpoint requires (403). */
  FORBIDDEN,
  /**
   * The request is malformed or can never be admitted, for example a cost above a limit's capacity (4xx).
   */
  INVALID_REQUEST;

  /** Whether the request proceeds. */
  public boolean isAllowed() {
    return this == ALLOWED;
  }

  /** Whether waiting can help: the reasons answered with 429 and a {@code Retry-After}. */
  public boolean isRetryable() {
    return this == RATE_LIMITED
        || this == LOOP_DETECTED
        || this == CONCURRENCY_LIMITED
        || this == QUARANTINED;
  }
}
