package dev.agentlimiter.jaxrs;

import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRateLimit;
import dev.agentlimiter.api.RequireScope;
import dev.agentlimiter.servlet.contract.Apps;
import dev.agentlimiter.servlet.contract.ContractSuite;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.container.Suspended;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The contract's application ({@link ContractSuite}) as Jakarta REST resources, and the feature configured
 * from {@link Apps}, for any implementation. The endpoints behave as the servlet module's {@code
 * ContractServlets}: same paths, same bodies, same counters.
 */
final class ContractResources {

  private ContractResources() {}

  /** The feature in front of the application, configured as the contract says. */
  static AgentLimiterFeature feature(AgentLimiter limiter, Apps apps) {
    AgentLimiterFeature.Builder builder =
        AgentLimiterFeature.builder(limiter)
            .shadow(apps.shadow())
            .failOpen(apps.failOpen())
            .caseInsensitiveRoutes(apps.caseInsensitive());
    for (Apps.RouteSpec r : apps.routes()) {
      builder.route(r.method(), r.pattern(), r.route());
    }
    return builder.build();
  }

  /** The resource instances of the contract's application. */
  static List<Object> resources(Apps apps) {
    return List.of(new Endpoints(apps), new AnnotatedResource(apps));
  }

  private static Response text(String body) {
    return Response.ok(body.getBytes(StandardCharsets.US_ASCII)).header("Content-Type", "text/plain").build();
  }

  /** Every endpoint of the contract but {@code /annotated}. */
  @Path("/")
  public static final class Endpoints {
    private final Apps apps;

    Endpoints(Apps apps) {
      this.apps = apps;
    }

    private Response named(String name, @Nullable String auth) {
      apps.invoked(name);
      apps.invoked(name + ":" + (auth == null ? "-" : auth));
      return text(name);
    }

    @GET
    @Path("hello")
    public Response hello(@HeaderParam("Authorization") @Nullable String auth) {
      return named("hello", auth);
    }

    @GET
    @Path("plain")
    public Response plain(@HeaderParam("Authorization") @Nullable String auth) {
      return named("plain", auth);
    }

    @GET
    @Path("open")
    public Response open(@HeaderParam("Authorization") @Nullable String auth) {
      return named("open", auth);
    }

    @GET
    @Path("scoped")
    public Response scoped(@HeaderParam("Authorization") @Nullable String auth) {
      return named("scoped", auth);
    }

    @GET
    @Path("rules")
    public Response rules(@HeaderParam("Authorization") @Nullable String auth) {
      return named("rules", auth);
    }

    /** The front controller's collection: Jakarta REST routes it itself (case-sensitively). */
    @GET
    @Path("v1/orders")
    public Response orders(@HeaderParam("Authorization") @Nullable String auth) {
      return named("orders", auth);
    }

    /** The front controller's {@code {id}} template. */
    @GET
    @Path("v1/items/{id}")
    public Response item(@PathParam("id") String id, @HeaderParam("Authorization") @Nullable String auth) {
      return named("items", auth);
    }

    private Response echo(String name, @Nullable String auth, InputStream body) throws IOException {
      apps.invoked(name);
      apps.invoked(name + ":" + (auth == null ? "-" : auth));
      byte[] bytes = body.readAllBytes();
      return Response.ok(ContractSuite.echo(bytes).getBytes(StandardCharsets.US_ASCII))
          .header("Content-Type", "application/json")
          .build();
    }

    /** No {@code @Consumes}: a wrong content type must reach the limiter, which answers 415 itself. */
    @POST
    @Path("json")
    public Response json(@HeaderParam("Authorization") @Nullable String auth, InputStream body) throws IOException {
      return echo("json", auth, body);
    }

    @POST
    @Path("tasks")
    public Response tasks(@HeaderParam("Authorization") @Nullable String auth, InputStream body) throws IOException {
      return echo("tasks", auth, body);
    }

    @GET
    @Path("boom")
    public Response boom() {
      apps.invoked("boom");
      throw new IllegalStateException("application failure (simulated)");
    }

    @GET
    @Path("async")
    public void async(@Suspended AsyncResponse async) {
      apps.invoked("async");
      async.setTimeout(10, TimeUnit.SECONDS);
      apps.executor.execute(
          () -> {
            try {
              if (apps.asyncRelease.await(5, TimeUnit.SECONDS)) {
                async.resume(text("async done"));
              } else {
                async.resume(new IllegalStateException("never released"));
              }
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              async.cancel();
            }
          });
      apps.asyncStarted.countDown();
    }

    /** The servlet container's async timeout answers 500; a timeout handler answers the same here. */
    @GET
    @Path("async-timeout")
    public void asyncTimeout(@Suspended AsyncResponse async) {
      apps.invoked("async-timeout");
      async.setTimeoutHandler(timedOut -> timedOut.resume(Response.serverError().build()));
      async.setTimeout(200, TimeUnit.MILLISECONDS);
    }

    @GET
    @Path("slow")
    public StreamingOutput slow() throws InterruptedException {
      apps.invoked("slow");
      apps.slowEntered.countDown();
      if (!apps.slowRelease.await(5, TimeUnit.SECONDS)) {
        throw new IllegalStateException("never released");
      }
      return (OutputStream out) -> {
        byte[] chunk = new byte[64 * 1024];
        for (int i = 0; i < 64; i++) {
          out.write(chunk);
          out.flush();
        }
      };
    }
  }

  /** Limits from annotations: the class's on GET and PUT, its own on POST; PUT requires a scope. */
  @Path("/annotated")
  @AgentRateLimit(name = "cls", capacity = 2, refill = 2, period = "PT1H")
  public static final class AnnotatedResource {
    private final Apps apps;

    AnnotatedResource(Apps apps) {
      this.apps = apps;
    }

    @GET
    public Response get() {
      return answer("get");
    }

    @POST
    @AgentRateLimit(name = "post", capacity = 5, refill = 5, period = "PT1H")
    public Response post() {
      return answer("post");
    }

    @PUT
    @RequireScope("dns:write")
    public Response put() {
      return answer("put");
    }

    private Response answer(String what) {
      apps.invoked("annotated");
      apps.invoked("annotated." + what);
      return text(what);
    }
  }
}
