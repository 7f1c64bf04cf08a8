package dev.agentlimiter.api;

/**
 * What an agent's tokens become when the policy they were counted under is replaced by a new version of
 * the same name (a reloaded policy file, {@link LimiterAdmin#apply}). The choices are Bucket4j's {@code
 * TokensInheritanceStrategy}; a limit is matched to its predecessor by name, and a limit new to the policy
 * starts at its initial tokens. Chosen per configuration ({@link PolicySet.Builder#inheritance(StateInheritance)})
 * or per policy ({@link PolicySet.Builder#inheritance(String, StateInheritance)}).
 */
public enum StateInheritance {

  /**
   * The default: the agent keeps the tokens it had, at most the new capacity. An agent that was drained
   * stays drained, so a reload never hands a looping agent a fresh burst; one that was full stays full
   * within the new capacity.
   */
  AS_IS,

  /**
   * The tokens keep their share of the capacity: 5 of 10 become 10 of 20. An agent's debt keeps its share
   * too.
   */
  PROPORTIONAL,

  /** The agent starts over, as a new agent of the new version. */
  RESET
}
