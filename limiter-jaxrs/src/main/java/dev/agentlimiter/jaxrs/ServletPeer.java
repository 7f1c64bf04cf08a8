package dev.agentlimiter.jaxrs;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.ext.ContextResolver;
import org.jspecify.annotations.Nullable;

/**
 * The peer address from the {@code HttpServletRequest} that Jakarta REST implementations inject when they
 * run in a servlet container (section 10.1 of the specification). Registered as a provider only so that the
 * implementation injects it; as a {@link ContextResolver} of its own private type, it is never consulted.
 * Loaded only where the Servlet API is present.
 */
final class ServletPeer implements Host.Peer, ContextResolver<ServletPeer> {

  @Context private @Nullable HttpServletRequest request;

  @Override
  public String address() {
    HttpServletRequest r = request;
    if (r == null) {
      return ""; // not in a servlet container
    }
    try {
      String address = r.getRemoteAddr();
      return address == null ? "" : address;
    } catch (RuntimeException e) {
      return ""; // a proxy with no servlet request behind it
    }
  }

  @Override
  public @Nullable ServletPeer getContext(Class<?> type) {
    return null;
  }
}
