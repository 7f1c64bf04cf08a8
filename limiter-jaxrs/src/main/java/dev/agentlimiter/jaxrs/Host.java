package dev.agentlimiter.jaxrs;

import dev.agentlimiter.core.http.AdapterFlow;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.FeatureContext;
import org.jspecify.annotations.Nullable;

/**
 * What Jakarta REST does not standardise, taken from the implementation that runs the feature: the peer
 * address of the connection, and a hook at the very end of a request. Chosen once, when the feature is
 * configured, from the implementation's {@code FeatureContext}:
 *
 * <ul>
 *   <li>RESTEasy: its {@code HttpRequest}'s remote address (every RESTEasy host), and its per-request
 *       {@code Cleanables};
 *   <li>Jersey: the {@code HttpServletRequest} when it runs in a servlet container, and the request's
 *       {@code ContainerResponseWriter}, which also replaces the response filter;
 *   <li>anything else: the {@code HttpServletRequest} when there is one, and no end hook.
 * </ul>
 *
 * Where no address is known it is empty, which the engine keys as one {@code peer:} client: anonymous
 * callers then share one bucket (they cannot split it, but they cannot be told apart either).
 */
interface Host {

  /** The address of the direct peer, as the container reports it; empty if unknown. */
  String remoteAddress(ContainerRequestContext request);

  /**
   * Arranges for {@code ending} to be ended as a failure when the request is over, if no response filter
   * ended it first; does nothing where the implementation offers no such hook.
   */
  void atEnd(ContainerRequestContext request, AdapterFlow.Pass ending);

  /**
   * Whether the limiter's response filter sets the {@code RateLimit} fields and ends admissions; {@code
   * false} where {@link #atEnd} does both (Jersey), so that no response filter is bound.
   */
  default boolean endsInResponseFilter() {
    return true;
  }

  /** The host of the implementation behind {@code context}, registering what must be injected. */
  static Host detect(FeatureContext context) {
    String implementation = context.getClass().getName() + " " + context.getConfiguration().getClass().getName();
    if (implementation.contains("org.jboss.resteasy.") && present("org.jboss.resteasy.core.ResteasyContext", context)) {
      return RestEasyHost.create();
    }
    Peer servlet = null;
    if (present("jakarta.servlet.http.HttpServletRequest", context)) {
      ServletPeer peer = new ServletPeer();
      context.register(peer);
      servlet = peer;
    }
    if (implementation.contains("org.glassfish.jersey.") && present("org.glassfish.jersey.server.spi.ContainerResponseWriter", context)) {
      return new JerseyHost(servlet);
    }
    return new Generic(servlet);
  }

  private static boolean present(String className, FeatureContext context) {
    for (ClassLoader loader :
        new ClassLoader[] {Host.class.getClassLoader(), context.getClass().getClassLoader()}) {
      if (loader == null) {
        continue;
      }
      try {
        Class.forName(className, false, loader);
        return true;
      } catch (ClassNotFoundException | LinkageError e) {
        // try the next loader
      }
    }
    return false;
  }

  /** The peer address of the current request, from an injected proxy. */
  interface Peer {
    /** The address, or empty if the current request has none here. */
    String address();
  }

  /** Any other implementation: the servlet request's address if there is one, no end hook. */
  final class Generic implements Host {
    private final @Nullable Peer peer;

    Generic(@Nullable Peer peer) {
      this.peer = peer;
    }

    @Override
    public String remoteAddress(ContainerRequestContext request) {
      return peer == null ? "" : peer.address();
    }

    @Override
    public void atEnd(ContainerRequestContext request, AdapterFlow.Pass ending) {
      // no portable hook: the response filter ends every request that produces a response
    }
  }
}
