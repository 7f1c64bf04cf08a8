package dev.agentlimiter.api;

/**
 * The buckets of one policy, keyed by agent id. Every method is atomic per agent and thread-safe.
 *
 * <p>Methods that report state write it into a caller-supplied {@code long[]} <em>probe</em> so that the
 * hot path allocates nothing: for the policy's limit {@code i} (declaration order), starting at
 * {@code offset}, they write
 *
 * <ul>
 *   <li>{@code probe[offset + 3i]}: tokens left after the call;
 *   <li>{@code probe[offset + 3i + 1]}: nanoseconds until the bucket is full, rounded up;
 *   <li>{@code probe[offset + 3i + 2]}: nanoseconds until the bucket holds {@code cost} tokens, rounded up
 *       (zero if it does now).
 * </ul>
 *
 * <p>Times are the engine's readings ({@link TimeSource}), passed in so that one decision reads the clock
 * once.
 */
@Beta
public interface PolicyState {

  /** Number of {@code long}s a probe needs per limit. */
  int PROBE_STRIDE = 3;

  /**
   * Refills the agent's buckets to {@code nowNanos} and, if every limit holds at least {@code cost} tokens,
   * takes {@code cost} from each. Starts tracking the agent if needed.
   *
   * @param probe receives the state after the call (see the class documentation)
   * @return whether the cost was taken
   */
  boolean tryConsume(String agentId, long cost, long nowNanos, long[] probe, int offset);

  /** {@link #tryConsume} without a probe: the allocation-free fast path. */
  boolean tryConsume(String agentId, long cost, long nowNanos);

  /**
   * Gives back tokens taken by an earlier successful {@link #tryConsume} (never above capacity). Used when
   * a later policy of the same request refuses.
   */
  void refund(String agentId, long tokens, long nowNanos);

  /** Writes the agent's current state without taking tokens and without starting to track it. */
  void inspect(String agentId, long cost, long nowNanos, long[] probe, int offset);

  /** Forgets the agent. */
  void forget(String agentId);
}
