/**
 * The engine of Agent Limiter. Exports only its API: {@code dev.agentlimiter.core} (the builder), {@code
 * dev.agentlimiter.core.http} (the HTTP contract and the adapter flow, for adapters), {@code
 * dev.agentlimiter.core.identity}, {@code dev.agentlimiter.core.audit} and {@code
 * dev.agentlimiter.core.config} (policy files). The {@code
 * dev.agentlimiter.core.internal} packages are not exported: on the module path they cannot be reached, and
 * on the class path their names say they are not API.
 */
@SuppressWarnings("requires-automatic") // Bucket4j: an automatic module with a stable Automatic-Module-Name
module dev.agentlimiter.core {
  requires transitive dev.agentlimiter.api;
  requires com.github.benmanes.caffeine;
  requires io.github.bucket4j.core;
  requires com.fasterxml.jackson.core;
  requires com.fasterxml.jackson.dataformat.yaml;
  requires org.slf4j;
  requires java.naming; // LdapName, to read a client certificate's subject
  requires static org.jspecify;

  exports dev.agentlimiter.core;
  exports dev.agentlimiter.core.http;
  exports dev.agentlimiter.core.identity;
  exports dev.agentlimiter.core.audit;
  exports dev.agentlimiter.core.config;
}
