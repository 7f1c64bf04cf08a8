package dev.agentlimiter.jaxrs;

import dev.agentlimiter.core.http.AdapterFlow;
import jakarta.ws.rs.container.ContainerRequestContext;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;
import org.glassfish.jersey.server.ContainerRequest;
import org.glassfish.jersey.server.ContainerResponse;
import org.glassfish.jersey.server.spi.ContainerResponseWriter;
import org.jspecify.annotations.Nullable;

/**
 * Jersey: the peer address from the servlet request when Jersey runs in a servlet container, and the end of
 * an admitted request taken from Jersey's own {@link ContainerResponseWriter}, the one object every ending
 * passes through. The request filter wraps the request's writer ({@link ContainerRequest#setWriter}); the
 * wrapper sets the {@code RateLimit} fields and ends the admission with the status when Jersey writes the
 * status line and headers (after every response filter, for answers, aborts and mapped exceptions alike, and
 * for {@code AsyncResponse} and {@code CompletionStage} resources when they complete), and ends it as a
 * failure when Jersey passes an exception to the container. So on Jersey the limiter binds no response
 * filter: a bound response filter costs Jersey a merge and sort of its response filters on every request,
 * and the listener of Jersey's monitoring events that this replaces made Jersey build an event object at
 * every stage of every request (docs/benchmarks.md). Loaded only on Jersey.
 */
final class JerseyHost implements Host {

  private static final System.Logger LOG = System.getLogger(AgentLimiterFeature.class.getName());

  private final Host.@Nullable Peer peer;

  JerseyHost(Host.@Nullable Peer peer) {
    this.peer = peer;
  }

  @Override
  public String remoteAddress(ContainerRequestContext request) {
    return peer == null ? "" : peer.address();
  }

  @Override
  public boolean endsInResponseFilter() {
    return false;
  }

  @Override
  public void atEnd(ContainerRequestContext request, AdapterFlow.Pass ending) {
    if (request instanceof ContainerRequest jersey) {
      jersey.setWriter(new EndingWriter(jersey.getResponseWriter(), ending));
    } else {
      // Jersey hands its filters its ContainerRequest; anything else is a bug to see, not a permit to leak
      ending.endUnknown();
      LOG.log(System.Logger.Level.ERROR, "agent limiter: Jersey passed a request of type " + request.getClass().getName());
    }
  }

  /** The container's writer, with the admission ended on the way through. */
  static final class EndingWriter implements ContainerResponseWriter {
    private final ContainerResponseWriter container;
    private final AdapterFlow.Pass ending;

    EndingWriter(ContainerResponseWriter container, AdapterFlow.Pass ending) {
      this.container = container;
      this.ending = ending;
    }

    @Override
    public @Nullable OutputStream writeResponseStatusAndHeaders(long contentLength, ContainerResponse response) {
      try {
        LimitingFilter.setFields(response.getHeaders(), ending);
      } finally {
        ending.end(response.getStatus());
      }
      return container.writeResponseStatusAndHeaders(contentLength, response);
    }

    @Override
    public boolean suspend(long timeOut, TimeUnit timeUnit, @Nullable TimeoutHandler timeoutHandler) {
      return container.suspend(timeOut, timeUnit, timeoutHandler);
    }

    @Override
    public void setSuspendTimeout(long timeOut, TimeUnit timeUnit) {
      container.setSuspendTimeout(timeOut, timeUnit);
    }

    @Override
    public void commit() {
      ending.endUnknown(); // no-op after the headers; here only if Jersey committed without them
      container.commit();
    }

    @Override
    public void failure(Throwable error) {
      ending.endFailed();
      container.failure(error);
    }

    @Override
    public boolean enableResponseBuffering() {
      return container.enableResponseBuffering();
    }
  }
}
