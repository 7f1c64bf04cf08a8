package dev.agentlimiter.jaxrs;

import dev.agentlimiter.core.http.AdminEndpoint;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.Map;

/**
 * Answers the admin endpoint's requests before matching: a request whose path relative to the
 * application's base URI, in the route table's spelling ({@link LimitingFilter#pathOf}), is under the
 * endpoint's base path is aborted with the endpoint's answer, built from the raw (still percent-encoded)
 * path. Other requests pass untouched. Registered by {@link AgentLimiterFeature} only when an endpoint is
 * configured. Thread-safe.
 */
@PreMatching
final class AdminFilter implements ContainerRequestFilter {

  private final AdminEndpoint endpoint;
  private final Host host;

  AdminFilter(AdminEndpoint endpoint, Host host) {
    this.endpoint = endpoint;
    this.host = host;
  }

  @Override
  public void filter(ContainerRequestContext request) {
    UriInfo uri = request.getUriInfo();
    if (!endpoint.handles(LimitingFilter.pathOf(uri))) {
      return;
    }
    String raw = uri.getPath(false);
    AdminEndpoint.Response answer =
        endpoint.handle(new JaxRsRequestView(request, host, raw.startsWith("/") ? raw : "/" + raw));
    Response.ResponseBuilder response = Response.status(answer.status());
    for (Map.Entry<String, String> h : answer.headers()) {
      response.header(h.getKey(), h.getValue());
    }
    request.abortWith(response.entity(answer.body()).build());
  }
}
