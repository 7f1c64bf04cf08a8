/** Bearer-JWT identity for Agent Limiter, on nimbus-jose-jwt. Exports {@code dev.agentlimiter.jwt}. */
module dev.agentlimiter.jwt {
  requires transitive dev.agentlimiter.api;
  requires com.nimbusds.jose.jwt;
  requires com.github.benmanes.caffeine;
  requires static transitive dev.agentlimiter.core; // only JwtIdentityResolver.fromPolicyFile takes a type of it
  requires static org.jspecify;

  exports dev.agentlimiter.jwt;
}
