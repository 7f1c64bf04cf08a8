package dev.agentlimiter.jaxrs;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.ext.ContextResolver;
import org.glassfish.jersey.server.CloseableService;
import org.jspecify.annotations.Nullable;

/**
 * Jersey: the peer address from the servlet request when Jersey runs in a servlet container, and Jersey's
 * {@link CloseableService}, which closes what a request registered when Jersey releases the request, after
 * the response is written or the exception passed to the container. Registered as a provider only so that
 * Jersey injects it (Jersey does not inject instances a {@code DynamicFeature} registers); as a {@link
 * ContextResolver} of its own private type, it is never consulted. Loaded only on Jersey.
 */
final class JerseyHost implements Host, ContextResolver<JerseyHost> {

  private static final System.Logger LOG = System.getLogger(AgentLimiterFeature.class.getName());

  private final Host.@Nullable Peer peer;

  @Context private @Nullable CloseableService closeables;

  JerseyHost(Host.@Nullable Peer peer) {
    this.peer = peer;
  }

  @Override
  public String remoteAddress(ContainerRequestContext request) {
    return peer == null ? "" : peer.address();
  }

  @Override
  public void atEnd(ContainerRequestContext request, Ending ending) {
    CloseableService c = closeables;
    if (c == null) {
      LOG.log(System.Logger.Level.DEBUG, "agent limiter: Jersey injected no CloseableService");
      return;
    }
    c.add(ending::endUnanswered);
  }

  @Override
  public @Nullable JerseyHost getContext(Class<?> type) {
    return null;
  }
}
