package dev.agentlimiter.jaxrs;

import dev.agentlimiter.core.http.AdapterFlow;
import jakarta.ws.rs.container.ContainerRequestContext;
import org.jboss.resteasy.core.ResteasyContext;
import org.jboss.resteasy.plugins.server.Cleanables;
import org.jboss.resteasy.spi.HttpRequest;

/**
 * RESTEasy: the peer address from its {@link HttpRequest} (every RESTEasy host, servlet or not), and its
 * per-request {@link Cleanables}, which the dispatcher cleans when it leaves a request, whether a response
 * was written or an exception passed to the container. The initial dispatch of a suspended ({@code
 * AsyncResponse}, {@code CompletionStage}) request also cleans them; such a request is left to the response
 * filter that runs when it resumes. Loaded only on RESTEasy.
 */
final class RestEasyHost implements Host {

  private RestEasyHost() {}

  static Host create() {
    return new RestEasyHost();
  }

  @Override
  public String remoteAddress(ContainerRequestContext request) {
    HttpRequest http = ResteasyContext.getContextData(HttpRequest.class);
    String address = http == null ? null : http.getRemoteAddress();
    return address == null ? "" : address;
  }

  @Override
  public void atEnd(ContainerRequestContext request, AdapterFlow.Pass ending) {
    HttpRequest http = ResteasyContext.getContextData(HttpRequest.class);
    Cleanables cleanables = ResteasyContext.getContextData(Cleanables.class);
    if (http == null || cleanables == null) {
      return;
    }
    cleanables.addCleanable(
        () -> {
          if (!http.getAsyncContext().isSuspended()) {
            ending.endFailed();
          }
        });
  }
}
