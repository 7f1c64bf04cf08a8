package dev.agentlimiter.jaxrs;

import dev.agentlimiter.api.AgentRateLimit;
import dev.agentlimiter.api.RequireScope;
import jakarta.annotation.Priority;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.container.Suspended;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.ext.ExceptionMapper;
import java.security.Principal;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/** Resources and providers of the feature's own tests ({@link FeatureSuite}), for any implementation. */
final class FeatureResources {

  private FeatureResources() {}

  // ------------------------------------------------------------------ annotation discovery

  /** No annotation: the feature must never touch it. */
  @Path("/plain")
  public static final class Unannotated {
    @GET
    public String get() {
      return "plain";
    }
  }

  /** One limit on the class: both methods limited, sharing the class's policy. */
  @Path("/cls")
  @AgentRateLimit(name = "c", capacity = 2, refill = 2, period = "PT1H")
  public static final class ClassLevel {
    @GET
    public String get() {
      return "cls";
    }

    @GET
    @Path("other")
    public String other() {
      return "other";
    }
  }

  /** Two limits of one policy on a method. */
  @Path("/repeated")
  public static final class Repeated {
    @GET
    @AgentRateLimit(name = "burst", capacity = 2, refill = 2, period = "PT1S")
    @AgentRateLimit(name = "hourly", capacity = 5, refill = 5, period = "PT1H")
    public String get() {
      return "repeated";
    }

    @GET
    @Path("free")
    public String free() {
      return "free";
    }
  }

  /** The resource's contract, with Jakarta REST and limiter annotations on its methods. */
  public interface Contracted {
    @GET
    @Path("limited")
    @AgentRateLimit(name = "iface", capacity = 1, refill = 1, period = "PT1H")
    String limited();

    @GET
    @Path("free")
    String free();
  }

  /** Implements {@link Contracted} without repeating an annotation. */
  @Path("/impl")
  public static final class ContractedImpl implements Contracted {
    @Override
    public String limited() {
      return "limited";
    }

    @Override
    public String free() {
      return "free";
    }
  }

  /** A limit on an interface, for every method of the resources that implement it. */
  @AgentRateLimit(name = "typed", capacity = 1, refill = 1, period = "PT1H")
  public interface Typed {
    @GET
    String get();
  }

  /** Implements {@link Typed}; has no annotation of its own. */
  @Path("/typed")
  public static final class TypedImpl implements Typed {
    @Override
    public String get() {
      return "typed";
    }
  }

  /** Sub-resource locators, to a limited and to an unlimited sub-resource. */
  @Path("/locator")
  public static final class Locator {
    @Path("sub")
    public Sub sub() {
      return new Sub();
    }

    @Path("free")
    public FreeSub free() {
      return new FreeSub();
    }
  }

  /** A sub-resource limited by its class. */
  @AgentRateLimit(name = "sub", capacity = 1, refill = 1, period = "PT1H")
  public static final class Sub {
    @GET
    public String get() {
      return "sub";
    }
  }

  /** A sub-resource without annotations. */
  public static final class FreeSub {
    @GET
    public String get() {
      return "freesub";
    }
  }

  /** Answers the principal's name; limited per agent, scope-free. */
  @Path("/me")
  public static final class Me {
    @GET
    @AgentRateLimit(name = "me", capacity = 2, refill = 2, period = "PT1H")
    public String get(@Context SecurityContext security) {
      Principal p = security.getUserPrincipal();
      return p == null ? "nobody" : p.getName();
    }

    @GET
    @Path("scoped")
    @RequireScope("admin")
    public String scoped() {
      return "admin";
    }
  }

  /**
   * A real authentication filter, as an application has one: {@code X-User: name} becomes the request's
   * {@code SecurityContext} principal. Global, at {@code AUTHENTICATION} priority.
   */
  @Priority(Priorities.AUTHENTICATION)
  public static final class HeaderAuthentication implements ContainerRequestFilter {
    @Override
    public void filter(ContainerRequestContext request) {
      String user = request.getHeaderString("X-User");
      if (user == null) {
        return;
      }
      Principal principal = () -> user;
      SecurityContext previous = request.getSecurityContext();
      request.setSecurityContext(
          new SecurityContext() {
            @Override
            public Principal getUserPrincipal() {
              return principal;
            }

            @Override
            public boolean isUserInRole(String role) {
              return false;
            }

            @Override
            public boolean isSecure() {
              return previous != null && previous.isSecure();
            }

            @Override
            public String getAuthenticationScheme() {
              return "X-User";
            }
          });
    }
  }

  // ------------------------------------------------------------------ endings

  /** The application's own failure, mapped by nobody but the implementation's default mapper. */
  static final class Unmapped extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unmapped() {
      super("unmapped (simulated)");
    }
  }

  /** An exception whose mapper itself throws. */
  static final class Bomb extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Bomb() {
      super("bomb (simulated)");
    }
  }

  /** Maps {@link Bomb} by throwing. */
  public static final class BombMapper implements ExceptionMapper<Bomb> {
    @Override
    public Response toResponse(Bomb exception) {
      throw new IllegalStateException("the mapper failed too (simulated)");
    }
  }

  /** A response filter of the application that throws for {@code /conc/filter-throws}; runs before ours. */
  @Priority(Priorities.USER)
  public static final class ThrowingResponseFilter implements ContainerResponseFilter {
    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
      if (request.getUriInfo().getPath().endsWith("filter-throws")) {
        throw new IllegalStateException("response filter failure (simulated)");
      }
    }
  }

  /** A request filter of the application that aborts {@code /conc/abort-later} after the limiter admitted it. */
  @Priority(Priorities.USER)
  public static final class LateAbort implements ContainerRequestFilter {
    @Override
    public void filter(ContainerRequestContext request) {
      if (request.getUriInfo().getPath().endsWith("abort-later")) {
        request.abortWith(Response.status(409).build());
      }
    }
  }

  /** Endpoints under {@code /conc}, limited by a path route with a concurrency cap. */
  @Path("/conc")
  public static final class Endings {
    private final ExecutorService executor;

    /** Counted down when {@code /conc/async-ok} has suspended. */
    final CountDownLatch started = new CountDownLatch(1);

    /** Lets {@code /conc/async-ok} complete. */
    final CountDownLatch release = new CountDownLatch(1);

    Endings(ExecutorService executor) {
      this.executor = executor;
    }

    @GET
    @Path("async-ok")
    public void asyncOk(@Suspended AsyncResponse async) {
      executor.execute(
          () -> {
            try {
              async.resume(release.await(5, TimeUnit.SECONDS) ? "async ok" : "never released");
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              async.cancel();
            }
          });
      started.countDown();
    }

    @GET
    @Path("async-fail")
    public void asyncFail(@Suspended AsyncResponse async) {
      executor.execute(() -> async.resume(new Unmapped()));
    }

    /** No timeout handler: Jakarta REST answers 503. */
    @GET
    @Path("async-timeout")
    public void asyncTimeout(@Suspended AsyncResponse async) {
      async.setTimeout(100, TimeUnit.MILLISECONDS);
    }

    @GET
    @Path("stage-ok")
    public CompletionStage<String> stageOk() {
      return CompletableFuture.supplyAsync(() -> "stage ok", executor);
    }

    @GET
    @Path("stage-fail")
    public CompletionStage<String> stageFail() {
      return CompletableFuture.supplyAsync(
          () -> {
            throw new Unmapped();
          },
          executor);
    }

    @GET
    @SuppressWarnings("DoNotCallSuggester") // a resource that fails, on purpose
    @Path("unmapped")
    public String unmapped() {
      throw new Unmapped();
    }

    @GET
    @SuppressWarnings("DoNotCallSuggester") // a resource that fails, on purpose
    @Path("mapper-throws")
    public String mapperThrows() {
      throw new Bomb();
    }

    @GET
    @Path("filter-throws")
    public String filterThrows() {
      return "filtered";
    }

    @GET
    @Path("abort-later")
    public String abortLater() {
      return "never";
    }

    @GET
    @SuppressWarnings("DoNotCallSuggester") // a resource that fails, on purpose
    @Path("wae")
    public String wae() {
      throw new WebApplicationException(Response.status(422).entity("unprocessable").build());
    }

    @POST
    @Path("echo")
    public byte[] echo(byte[] body) {
      return body;
    }
  }

  // ------------------------------------------------------------------ mappers that would like to change refusals

  /** Maps everything to 418, as an over-eager application might. */
  public static final class Teapot implements ExceptionMapper<Throwable> {
    @Override
    public Response toResponse(Throwable exception) {
      return Response.status(418).entity("teapot").build();
    }
  }

  /** Maps every {@link WebApplicationException} to 418 too. */
  public static final class TeapotForWebApplicationExceptions implements ExceptionMapper<WebApplicationException> {
    @Override
    public Response toResponse(WebApplicationException exception) {
      return Response.status(418).entity("teapot").build();
    }
  }

  /** An annotated {@code {id}} template: {@code GET /v1/orders/{id}}, counting what it serves. */
  @Path("/v1/orders")
  public static final class OrderById {
    final AtomicInteger served = new AtomicInteger();

    @GET
    @Path("{id}")
    @AgentRateLimit(name = "order", capacity = 100, refill = 100, period = "PT1H")
    public String get(@PathParam("id") String id) {
      served.incrementAndGet();
      return "order " + id;
    }
  }

  /** A resource under the path routes of the parity test: {@code /p/...}. */
  @Path("/p")
  public static final class Parity {
    @GET
    @Path("{name}")
    public String get() {
      return "ok";
    }

    @POST
    @Path("{name}")
    public String post(byte @Nullable [] body) {
      return "ok";
    }
  }
}
