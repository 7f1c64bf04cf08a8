package dev.agentlimiter.jaxrs;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.ext.ContextResolver;
import org.glassfish.jersey.server.CloseableService;
import org.glassfish.jersey.server.monitoring.ApplicationEvent;
import org.glassfish.jersey.server.monitoring.ApplicationEventListener;
import org.glassfish.jersey.server.monitoring.RequestEvent;
import org.glassfish.jersey.server.monitoring.RequestEventListener;
import org.jspecify.annotations.Nullable;

/**
 * Jersey: the peer address from the servlet request when Jersey runs in a servlet container, and a hook at
 * the end of exceptional requests. The response filter ends every admission whose request produces a
 * response; some exceptional paths skip it (an {@code AsyncResponse} resumed with an exception, a failed
 * {@code CompletionStage}, a response filter that throws). So one stateless listener of Jersey's monitoring
 * events watches for {@link RequestEvent.Type#ON_EXCEPTION ON_EXCEPTION} and hands an admitted request's
 * ending to Jersey's {@link CloseableService}, which Jersey closes when it releases the request, response
 * written or exception passed to the container. The {@code CloseableService} is reached through a
 * request-scoped proxy that cost about as much CPU as the whole engine when it was called for every request
 * (docs/benchmarks.md), so only exceptional requests use it. Registered as a provider with the feature
 * (so that Jersey injects it; as a {@link ContextResolver} of its own private type it is never consulted);
 * loaded only on Jersey.
 */
final class JerseyHost
    implements Host, ContextResolver<JerseyHost>, ApplicationEventListener, RequestEventListener {

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
    // nothing per request: onEvent(ON_EXCEPTION) finds the ending in the request's properties
  }

  @Override
  public void onEvent(ApplicationEvent event) {
    // only requests matter
  }

  @Override
  public RequestEventListener onRequest(RequestEvent requestEvent) {
    return this;
  }

  @Override
  public void onEvent(RequestEvent event) {
    if (event.getType() != RequestEvent.Type.ON_EXCEPTION
        || !(event.getContainerRequest().getProperty(LimitingFilter.ENDING) instanceof Ending ending)) {
      return; // not exceptional, or not admitted by the limiter
    }
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
