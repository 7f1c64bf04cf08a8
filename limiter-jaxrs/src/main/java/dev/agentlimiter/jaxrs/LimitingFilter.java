package dev.agentlimiter.jaxrs;

import dev.agentlimiter.api.Admission;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.Outcome;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.AdapterOptions;
import dev.agentlimiter.core.HttpResponses;
import dev.agentlimiter.core.RouteTable;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.PathSegment;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.io.InputStream;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The limiter's request and response filter for one resource method: its own route, or the path table's.
 * Not {@code @PreMatching}: it runs after matching, at {@link AgentLimiterFeature#PRIORITY}. Bound as a
 * request filter only where the host ends admissions itself (Jersey, {@link JerseyHost}).
 */
final class LimitingFilter implements ContainerRequestFilter, ContainerResponseFilter {

  /** The request property holding the {@link Ending} of an admitted request. */
  static final String ENDING = "dev.agentlimiter.jaxrs.ending";

  private static final System.Logger LOG = System.getLogger(AgentLimiterFeature.class.getName());

  private final AdapterOptions settings;
  private final Host host;
  private final @Nullable Route route;
  /** Whether this filter's response half ends admissions, or the host does ({@link Host#endsInResponseFilter}). */
  private final boolean endsHere;

  LimitingFilter(AdapterOptions settings, Host host, @Nullable Route route) {
    this.settings = settings;
    this.host = host;
    this.route = route;
    this.endsHere = host.endsInResponseFilter();
  }

  @Override
  public void filter(ContainerRequestContext request) {
    Route r = route;
    Ending ending = null;
    try {
      if (r == null) {
        r = settings.routes().match(request.getMethod(), pathOf(request.getUriInfo()));
        if (r == null) {
          return;
        }
      }
      Admission admission = settings.limiter().enter(new JaxRsRequestView(request, host), r);
      Decision decision = admission.decision();
      if (!decision.isAllowed() && !settings.shadows(r)) {
        admission.close();
        request.abortWith(refusal(decision, settings.realm(), leavesBodyUnread(request, admission)));
        return;
      }
      ending = new Ending(admission, decision);
      Optional<InputStream> replay = admission.replayBody();
      if (replay.isPresent()) {
        request.setEntityStream(replay.get());
      }
      if (endsHere) {
        request.setProperty(ENDING, ending);
      }
      host.atEnd(request, ending);
    } catch (RuntimeException e) {
      LOG.log(
          System.Logger.Level.ERROR,
          "agent limiter failed; " + (settings.failOpen() ? "failing open" : "answering 503"),
          e);
      if (ending != null) {
        request.removeProperty(ENDING);
        ending.end(Outcome.unknown());
      }
      if (!settings.failOpen()) {
        request.abortWith(unavailable(settings));
      }
    }
  }

  @Override
  public void filter(ContainerRequestContext request, ContainerResponseContext response) {
    if (!(request.getProperty(ENDING) instanceof Ending ending)) {
      return; // not admitted by us: refused (the refusal carries its fields), failed open, or not limited
    }
    try {
      setFields(response.getHeaders(), ending.decision());
    } finally {
      ending.end(Outcome.ofStatus(response.getStatus()));
    }
  }

  /** Sets both {@code RateLimit} fields of an admitted request's decision, if it has limits. */
  static void setFields(MultivaluedMap<String, Object> headers, Decision decision) {
    String policy = HttpResponses.rateLimitPolicy(decision);
    String state = HttpResponses.rateLimit(decision);
    if (policy != null && state != null) {
      headers.putSingle("RateLimit-Policy", policy);
      headers.putSingle("RateLimit", state);
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

  /** Whether a refusal of the request leaves body bytes unread: then it closes the connection. */
  private static boolean leavesBodyUnread(ContainerRequestContext request, Admission admission) {
    return HttpResponses.leavesBodyUnread(
        admission, request.getLength(), request.getHeaderString("Transfer-Encoding"));
  }

  static Response refusal(Decision decision, String realm, boolean unreadBody) {
    Response.ResponseBuilder response = Response.status(HttpResponses.status(decision));
    for (Map.Entry<String, String> h : HttpResponses.refusalHeaders(decision, realm, unreadBody)) {
      response.header(h.getKey(), h.getValue());
    }
    return response.header("Content-Type", HttpResponses.PROBLEM_JSON).entity(HttpResponses.problemBody(decision)).build();
  }

  static Response unavailable(AdapterOptions settings) {
    Response.ResponseBuilder response = Response.status(503);
    for (Map.Entry<String, String> h : HttpResponses.unavailableHeaders(settings.unavailableRetryAfter())) {
      response.header(h.getKey(), h.getValue());
    }
    return response
        .header("Content-Type", HttpResponses.PROBLEM_JSON)
        .entity(HttpResponses.unavailableBody(settings.unavailableRetryAfter()))
        .build();
  }
}
