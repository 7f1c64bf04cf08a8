/**
 * Agent Limiter's decisions and detector events as Micrometer meters. Exports {@code
 * dev.agentlimiter.micrometer}.
 */
// Micrometer is an automatic module, with a stable Automatic-Module-Name.
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.agentlimiter.micrometer {
  requires transitive dev.agentlimiter.api;
  requires transitive micrometer.core;
  requires static org.jspecify;

  exports dev.agentlimiter.micrometer;
}
