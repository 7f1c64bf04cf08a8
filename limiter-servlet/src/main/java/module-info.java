/**
 * The Jakarta Servlet 6 filter of Agent Limiter. Exports {@code dev.agentlimiter.servlet}; the container
 * provides {@code jakarta.servlet}.
 */
module dev.agentlimiter.servlet {
  requires transitive dev.agentlimiter.core;
  requires transitive jakarta.servlet;
  requires static org.jspecify;

  exports dev.agentlimiter.servlet;
}
