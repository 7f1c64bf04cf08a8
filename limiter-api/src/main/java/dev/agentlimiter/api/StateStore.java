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

  /**
   * Returns the state of a new version of {@code previous}'s policy (same name, new definition), whose
   * agents keep their tokens by {@code rule} (limits matched by name). The default keeps nothing: agents
   * start over, as {@link StateInheritance#RESET} would. Requests still decided on {@code previous} may keep
   * using it.
   */
  default PolicyState rebind(PolicyState previous, Policy policy, StateInheritance rule) {
    return bind(policy);
  }

  /**
   * Forgets everything of {@code state}, whose policy left the configuration. The default does nothing,
   * which is safe only for a store whose entries expire on their own.
   */
  default void drop(PolicyState state) {}

  /** An estimate of the (policy, agent) pairs held. */
  long trackedAgents();
}
