package dev.agentlimiter.jaxrs;

import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.http.AdapterFlow;
import dev.agentlimiter.core.http.HttpResponses;
import dev.agentlimiter.core.http.RouteTable;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.PathSegment;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The limiter's request and response filter for one resource method: its own route, or the path table's.
 * Not {@code @PreMatching}: it runs after matching, at {@link AgentLimiterFeature#PRIORITY}. Bound as a
 * request filter only where the host ends admissions itself (Jersey, {@link JerseyHost}).
 */
final class LimitingFilter implements ContainerRequestFilter, ContainerResponseFilter {

  /** The request property holding the {@link AdapterFlow.Pass} of an admitted request. */
  static final String ENDING = "dev.agentlimiter.jaxrs.ending";

  private static final System.Logger LOG = System.getLogger(AgentLimiterFeature.class.getName());

  private final AdapterFlow flow;
  private final Host host;
  private final @Nullable Route route;
  /** The resource method's path template, the bound route's pattern in decision events. */
  private final @Nullable String template;
  /** Whether this filter's response half ends admissions, or the host does ({@link Host#endsInResponseFilter}). */
  private final boolean endsHere;

  LimitingFilter(AdapterFlow flow, Host host, @Nullable Route route, @Nullable String template) {
    this.flow = flow;
    this.host = host;
    this.route = route;
    this.template = template;
    this.endsHere = host.endsInResponseFilter();
  }

  @Override
  public void filter(ContainerRequestContext request) {
    // the path only when a table may be looked up: a bound endpoint of a limiter without routes by path
    // computes none
    boolean byPath = flow.routesByPath();
    if (route == null && !byPath) {
      return; // an endpoint of no route, and no table to look in: nothing to limit, nothing computed
    }
    String path = byPath ? pathOf(request.getUriInfo()) : null;
    AdapterFlow.Routed routed = flow.route(request.getMethod(), path, route, template);
    if (routed == null) {
      return;
    }
    AdapterFlow.Pass pass;
    try {
      pass = flow.admit(new JaxRsRequestView(request, host), routed, (status, headers, body) -> abort(request, status, headers, body));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e); // abortWith does no I/O: never happens
    }
    if (pass == null) {
      return; // answered: refused, or the limiter failed and the feature fails closed
    }
    try {
      Optional<InputStream> replay = pass.replayBody();
      if (replay.isPresent()) {
        request.setEntityStream(replay.get());
      }
      if (endsHere) {
        request.setProperty(ENDING, pass);
      }
      host.atEnd(request, pass);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.ERROR, "agent limiter: handing over an admitted request failed", e);
      request.removeProperty(ENDING);
      pass.endUnknown();
      if (!flow.options().failOpen()) {
        abort(
            request,
            503,
            HttpResponses.unavailableHeaders(flow.options().unavailableRetryAfter()),
            HttpResponses.unavailableBody(flow.options().unavailableRetryAfter()));
      }
    }
  }

  private static void abort(
      ContainerRequestContext request, int status, List<Map.Entry<String, String>> headers, byte[] body) {
    Response.ResponseBuilder response = Response.status(status);
    for (Map.Entry<String, String> h : headers) {
      response.header(h.getKey(), h.getValue());
    }
    request.abortWith(response.header("Content-Type", HttpResponses.PROBLEM_JSON).entity(body).build());
  }

  @Override
  public void filter(ContainerRequestContext request, ContainerResponseContext response) {
    if (!(request.getProperty(ENDING) instanceof AdapterFlow.Pass pass)) {
      return; // not admitted by us: refused (the refusal carries its fields), failed open, or not limited
    }
    try {
      setFields(response.getHeaders(), pass);
    } finally {
      pass.end(response.getStatus());
    }
  }

  /** Sets both {@code RateLimit} fields of an admitted request, if it has limits. */
  static void setFields(MultivaluedMap<String, Object> headers, AdapterFlow.Pass pass) {
    for (Map.Entry<String, String> field : pass.rateLimitFields()) {
      headers.putSingle(field.getKey(), field.getValue());
    }
  }

  /**
   * The path the route table matches: relative to the application's base URI, percent-decoded as Jakarta
   * REST matches it, without matrix parameters, in its canonical spelling ({@link RouteTable#canonical}:
   * Jersey and RESTEasy serve {@code /hello/} with the resource of {@code /hello}, so both must meet its
   * route).
   */
  static String pathOf(UriInfo uri) {
    String path = uri.getPath(true);
    if (path.indexOf(';') >= 0) {
      StringBuilder out = new StringBuilder(path.length());
      for (PathSegment segment : uri.getPathSegments(true)) {
        out.append('/').append(segment.getPath());
      }
      path = out.toString();
    }
    return RouteTable.canonical(path);
  }
}
