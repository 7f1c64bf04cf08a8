package dev.agentlimiter.core.identity;

/**
 * The one forwarding header a limiter reads behind its trusted proxies: the header those proxies write.
 * <b>Exactly one is read; every other forwarding header is ignored</b>, even when it is present and well
 * formed, because a proxy passes through whatever header it does not write itself, and that header is the
 * client's. Pick the header your outermost trusted proxy writes on every request; if none of them writes
 * one, the trusted peer itself is the client.
 *
 * <p>The header is read only when the direct peer is a trusted proxy, and only from the right: see {@code
 * AgentLimiters.Builder.trustedProxies}.
 */
public enum ForwardedHeader {

  /**
   * {@code X-Forwarded-For}: a comma-separated list of addresses that each proxy appends to (nginx's {@code
   * $proxy_add_x_forwarded_for}, HAProxy's {@code option forwardfor}, AWS ALB, Cloudflare). Repeated header
   * lines are joined in order. The default.
   */
  X_FORWARDED_FOR("X-Forwarded-For"),

  /**
   * {@code Forwarded} (RFC 7239): the {@code for} parameter of each comma-separated element, which each
   * proxy appends (HAProxy's {@code option forwarded}). Repeated header lines are joined in order; an
   * element without {@code for}, or with an obfuscated one, stops the walk at the proxy that wrote it.
   */
  FORWARDED("Forwarded"),

  /**
   * {@code X-Real-IP}: one address that the proxy <b>sets</b>, replacing whatever the client sent (nginx's
   * {@code proxy_set_header X-Real-IP $remote_addr}). It is one hop: the last header line is read, and a
   * value that is not one address leaves the trusted peer as the client.
   */
  X_REAL_IP("X-Real-IP");

  private final String headerName;

  ForwardedHeader(String headerName) {
    this.headerName = headerName;
  }

  /** The header's name as it is written on the wire, such as {@code X-Forwarded-For}. */
  public String headerName() {
    return headerName;
  }
}
