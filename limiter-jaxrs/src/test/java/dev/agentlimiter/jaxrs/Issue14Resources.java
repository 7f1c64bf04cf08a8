package dev.agentlimiter.jaxrs;

import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.servlet.contract.Apps;
import dev.agentlimiter.servlet.contract.Issue14HttpSuite;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link Issue14HttpSuite}'s application as one Jakarta REST resource, and the feature with the suite's
 * routes, for any implementation: the components to register.
 */
final class Issue14Resources {

  private Issue14Resources() {}

  static List<Object> components(AgentLimiter limiter, List<Apps.RouteSpec> routes, Issue14HttpSuite.App app) {
    AgentLimiterFeature.Builder feature = AgentLimiterFeature.builder(limiter);
    for (Apps.RouteSpec r : routes) {
      feature.route(r.method(), r.pattern(), r.route());
    }
    List<Object> components = new ArrayList<>();
    components.add(new Endpoints(app));
    components.add(feature.build());
    return components;
  }

  private static Response body(String body, String contentType) {
    return Response.ok(body.getBytes(StandardCharsets.US_ASCII)).header("Content-Type", contentType).build();
  }

  /** {@code GET /jobs/{id}}, {@code GET /v1/orders}, {@code POST /tasks}. */
  @Path("/")
  public static final class Endpoints {
    private final Issue14HttpSuite.App app;

    Endpoints(Issue14HttpSuite.App app) {
      this.app = app;
    }

    @GET
    @Path("jobs/{id}")
    public Response job(@PathParam("id") String id) throws InterruptedException {
      return body(app.job(id), "text/plain");
    }

    @GET
    @Path("v1/orders")
    public Response orders() {
      return body(app.orders(), "text/plain");
    }

    @POST
    @Path("tasks")
    public Response tasks(InputStream body) throws IOException {
      return body(app.task(body.readAllBytes()), "application/json");
    }
  }
}
