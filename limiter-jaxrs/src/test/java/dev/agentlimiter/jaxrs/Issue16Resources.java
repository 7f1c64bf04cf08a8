package dev.agentlimiter.jaxrs;

import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentPolicy;
import dev.agentlimiter.api.AgentRateLimit;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import java.util.List;

/** The endpoints of {@code Issue16PrecedenceHttpSuite}, behind the feature, for any implementation. */
final class Issue16Resources {

  private Issue16Resources() {}

  static List<Object> components(AgentLimiter limiter) {
    return List.of(
        new Endpoints(), AgentLimiterFeature.builder(limiter).anonymousAnnotatedRoutes(true).build());
  }

  /** {@code GET /annotated}, {@code GET /named}, {@code GET /plain}. */
  @Path("/")
  public static final class Endpoints {

    @GET
    @Path("annotated")
    @Produces("text/plain")
    @AgentRateLimit(name = "l", capacity = 5, refill = 1, period = "PT1H")
    public String annotated() {
      return "ok";
    }

    @GET
    @Path("named")
    @Produces("text/plain")
    @AgentPolicy("orders")
    public String named() {
      return "ok";
    }

    @GET
    @Path("plain")
    @Produces("text/plain")
    public String plain() {
      return "ok";
    }
  }
}
