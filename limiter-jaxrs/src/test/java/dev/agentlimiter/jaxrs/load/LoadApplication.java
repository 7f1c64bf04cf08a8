package dev.agentlimiter.jaxrs.load;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRateLimit;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.core.AgentLimiters;
import dev.agentlimiter.core.identity.IdentityResolvers;
import dev.agentlimiter.core.identity.InMemoryApiKeyStore;
import dev.agentlimiter.jaxrs.AgentLimiterFeature;
import io.github.bucket4j.Bucket;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.DynamicFeature;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.FeatureContext;
import jakarta.ws.rs.core.Response;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.glassfish.jersey.server.ContainerRequest;
import org.glassfish.jersey.server.ContainerResponse;
import org.glassfish.jersey.server.ResourceConfig;
import org.glassfish.jersey.server.spi.ContainerResponseWriter;

/**
 * The hello-world application of the JAX-RS load comparison, in one of its four modes; served over HTTP by
 * {@link LoadServer} and run in process by the {@code jmh} module's {@code JaxRsBenchmark}, so that both
 * measure the same thing. The resource always carries its {@code @AgentRateLimit} (a limit that never
 * refuses); only with the feature is it read, and then {@code /hello} needs an API key ({@link #key}).
 *
 * <ul>
 *   <li>{@code none}: the resource alone;
 *   <li>{@code naive}: <b>the floor</b>, {@link NaiveFilter};
 *   <li>{@code bound}: Jersey's cost of binding a filter to the method, {@link Binder};
 *   <li>{@code fields}: the feature's response half alone, {@link FieldsBinder}: the bound filter wraps the
 *       response writer, which sets two fixed {@code RateLimit} fields as the feature sets its own;
 *   <li>{@code feature}: {@link AgentLimiterFeature} with API keys for {@code agents} agents.
 * </ul>
 */
public final class LoadApplication {

  private LoadApplication() {}

  /** The API key of agent {@code n}. */
  public static String key(int n) {
    return "ak_load_" + n + "_0123456789abcdef";
  }

  /** The application in {@code mode}: {@code none}, {@code naive}, {@code bound} or {@code feature}. */
  public static ResourceConfig of(String mode, int agents) {
    ResourceConfig config = new ResourceConfig();
    config.register(new Hello());
    long tracked = Math.max(2L * agents, 1024);
    switch (mode) {
      case "feature" -> {
        InMemoryApiKeyStore keys = InMemoryApiKeyStore.create();
        for (int i = 0; i < agents; i++) {
          keys.add(key(i), AgentIdentity.of("agent-" + i, IdentitySource.API_KEY));
        }
        AgentLimiter limiter =
            AgentLimiters.newBuilder()
                .maximumTrackedAgents(tracked)
                .identity(IdentityResolvers.apiKeys(keys))
                .build();
        config.register(AgentLimiterFeature.builder(limiter).build());
      }
      case "naive" -> config.register(new NaiveFilter(tracked), Priorities.AUTHORIZATION + 100);
      case "bound" -> config.register(new Binder());
      case "fields" -> config.register(new FieldsBinder());
      case "none" -> {
        // the resource alone
      }
      default -> throw new IllegalArgumentException("mode must be none, naive, bound, fields or feature but was " + mode);
    }
    return config;
  }

  /**
   * The floor the issue measures against: no library, only a Caffeine lookup and a Bucket4j consume keyed on
   * the raw {@code Authorization} header (no verification, no headers, no problem body beyond a bare 429), as
   * a global request filter.
   */
  static final class NaiveFilter implements ContainerRequestFilter {
    private final Cache<String, Bucket> buckets;

    NaiveFilter(long maximum) {
      buckets = Caffeine.newBuilder().maximumSize(maximum).expireAfterAccess(Duration.ofMinutes(10)).executor(Runnable::run).build();
    }

    @Override
    public void filter(ContainerRequestContext request) {
      String key = String.valueOf(request.getHeaderString("Authorization"));
      Bucket bucket =
          buckets.get(
              key,
              k -> Bucket.builder()
                  .addLimit(l -> l.capacity(1_000_000_000L).refillGreedy(1_000_000_000L, Duration.ofSeconds(1)))
                  .build());
      if (!bucket.tryConsume(1)) {
        request.abortWith(Response.status(429).build());
      }
    }
  }

  /**
   * Jersey's own cost of what the feature binds: a request filter that does nothing, bound to the resource
   * method through a {@code DynamicFeature}, as the feature binds its own (on Jersey, no response filter).
   */
  static final class Binder implements DynamicFeature {
    @Override
    public void configure(ResourceInfo resourceInfo, FeatureContext context) {
      context.register(new Nothing(), Priorities.AUTHORIZATION + 100);
    }
  }

  static final class Nothing implements ContainerRequestFilter {
    @Override
    public void filter(ContainerRequestContext request) {
      // nothing: only Jersey's binding is measured
    }
  }

  /**
   * What the feature does on Jersey besides identity and the decision: a request filter bound to the method
   * wraps the request's response writer, and the wrapper puts both {@code RateLimit} fields (fixed values as
   * long as the feature's for this resource) into Jersey's headers when the status line is written.
   */
  static final class FieldsBinder implements DynamicFeature {
    @Override
    public void configure(ResourceInfo resourceInfo, FeatureContext context) {
      context.register(
          (ContainerRequestFilter) request -> {
            ContainerRequest jersey = (ContainerRequest) request;
            jersey.setWriter(new FieldsWriter(jersey.getResponseWriter()));
          },
          Priorities.AUTHORIZATION + 100);
    }
  }

  static final class FieldsWriter implements ContainerResponseWriter {
    private final ContainerResponseWriter container;

    FieldsWriter(ContainerResponseWriter container) {
      this.container = container;
    }

    @Override
    public OutputStream writeResponseStatusAndHeaders(long contentLength, ContainerResponse response) {
      response.getHeaders().putSingle("RateLimit-Policy", "\"hello\";q=1000000000;w=1");
      response.getHeaders().putSingle("RateLimit", "\"hello\";r=999999999;t=0");
      return container.writeResponseStatusAndHeaders(contentLength, response);
    }

    @Override
    public boolean suspend(long timeOut, TimeUnit timeUnit, TimeoutHandler timeoutHandler) {
      return container.suspend(timeOut, timeUnit, timeoutHandler);
    }

    @Override
    public void setSuspendTimeout(long timeOut, TimeUnit timeUnit) {
      container.setSuspendTimeout(timeOut, timeUnit);
    }

    @Override
    public void commit() {
      container.commit();
    }

    @Override
    public void failure(Throwable error) {
      container.failure(error);
    }

    @Override
    public boolean enableResponseBuffering() {
      return container.enableResponseBuffering();
    }
  }

  /** Hello, world. */
  @Path("/hello")
  public static final class Hello {
    private static final byte[] BODY = "hello, agent\n".getBytes(StandardCharsets.US_ASCII);

    @GET
    @AgentRateLimit(name = "hello", capacity = 1_000_000_000L, refill = 1_000_000_000L, period = "PT1S")
    public Response hello() {
      return Response.ok(BODY).header("Content-Type", "text/plain").build();
    }
  }
}
