package dev.agentlimiter.api;

/** How the server established an {@link AgentIdentity}. */
public enum IdentitySource {
  /** An API key the server looked up in its key store. */
  API_KEY,
  /** A bearer JWT whose signature, issuer, audience and expiry the server verified. */
  JWT,
  /** A principal the container or application had already authenticated. */
  PRINCIPAL,
  /** A client certificate verified during the TLS handshake. */
  MTLS,
  /** The client address only: anonymous traffic, the weakest identity. */
  IP
}
