package dev.agentlimiter.api;

/**
 * Where per-agent bucket state lives: in the JVM by default, in Redis when several nodes share it. The
 * engine {@linkplain #bind binds} each policy once and then talks to the returned {@link PolicyState}.
 * Implementations must be thread-safe and must keep their memory bounded whatever identities arrive.
 */
@Beta
public interface StateStore {

  /**
   * Returns the state of one policy's buckets. Called once per policy per engine; the engine caches the
   * result.
   */
  PolicyState bind(Policy policy);

  /** An estimate of the (policy, agent) pairs held. */
  long trackedAgents();
}
