/**
 * The API of Agent Limiter: annotations, value types, the {@link dev.agentlimiter.api.AgentLimiter} interface,
 * events and the SPIs. No runtime dependency; JSpecify's nullness annotations are needed only to compile.
 */
module dev.agentlimiter.api {
  requires static transitive org.jspecify;

  exports dev.agentlimiter.api;
}
