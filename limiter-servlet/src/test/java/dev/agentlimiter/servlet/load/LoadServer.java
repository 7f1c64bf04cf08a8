package dev.agentlimiter.servlet.load;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.AgentLimiters;
import dev.agentlimiter.core.identity.IdentityResolvers;
import dev.agentlimiter.core.identity.InMemoryApiKeyStore;
import dev.agentlimiter.servlet.AgentLimiterFilter;
import jakarta.servlet.DispatcherType;
import io.github.bucket4j.Bucket;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A hello-world servlet on embedded Jetty 12 for the load comparison of docs/benchmarks.md, with or without
 * the filter: {@code LoadServer <none|noop|naive|filter> <port> <agents>} ({@code noop}: a filter that only calls the chain; {@code naive}: the floor, {@link NaiveFilter}). With the filter, {@code /hello} needs an API
 * key ({@code ak_load_<n>_0123456789abcdef}, n below agents) and takes a token from a limit that never
 * refuses. Not a test; run by hand from a second terminal against wrk.
 */
public final class LoadServer {

  private LoadServer() {}

  /** The API key of agent {@code n}. */
  public static String key(int n) {
    return "ak_load_" + n + "_0123456789abcdef";
  }

  public static void main(String[] args) throws Exception {
    boolean filtered = args[0].equals("filter");
    boolean noop = args[0].equals("noop");
    boolean naive = args[0].equals("naive");
    int port = Integer.parseInt(args[1]);
    int agents = Integer.parseInt(args[2]);
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(port);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler();
    context.setContextPath("/");
    context.addServlet(new ServletHolder(new Hello()), "/hello");
    if (filtered) {
      InMemoryApiKeyStore keys = InMemoryApiKeyStore.create();
      for (int i = 0; i < agents; i++) {
        keys.add(key(i), AgentIdentity.of("agent-" + i, IdentitySource.API_KEY));
      }
      AgentLimiter limiter =
          AgentLimiters.newBuilder()
              .maximumTrackedAgents(Math.max(2L * agents, 1024))
              .identity(IdentityResolvers.apiKeys(keys))
              .build();
      Policy hello =
          Policy.named("hello")
              .limit(Limit.capacity(1_000_000_000L).refill(1_000_000_000L).per(Duration.ofSeconds(1)))
              .build();
      AgentLimiterFilter filter =
          AgentLimiterFilter.builder(limiter).route("/hello", Route.of(hello)).build();
      context.addFilter(new FilterHolder(filter), "/*", EnumSet.of(DispatcherType.REQUEST));
    }
    if (noop) {
      // the cost of having any filter at all: Jetty's filter chain around the servlet
      Filter passThrough = (request, response, chain) -> chain.doFilter(request, response);
      context.addFilter(new FilterHolder(passThrough), "/*", EnumSet.of(DispatcherType.REQUEST));
    }
    if (naive) {
      context.addFilter(new FilterHolder(new NaiveFilter(Math.max(2L * agents, 1024))), "/*", EnumSet.of(DispatcherType.REQUEST));
    }
    server.setHandler(context);
    server.start();
    System.out.println("listening on 127.0.0.1:" + port + (filtered ? " with the filter, " + agents + " agents" : noop ? " with a pass-through filter" : " without the filter"));
    server.join();
  }

  /**
   * The floor the issue measures against: no library, only a Caffeine lookup and a Bucket4j consume keyed on
   * the raw {@code Authorization} header (no verification, no headers, no problem body beyond a bare 429).
   */
  static final class NaiveFilter implements Filter {
    private final Cache<String, Bucket> buckets;

    NaiveFilter(long maximum) {
      buckets = Caffeine.newBuilder().maximumSize(maximum).expireAfterAccess(Duration.ofMinutes(10)).executor(Runnable::run).build();
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
        throws IOException, ServletException {
      String key = String.valueOf(((HttpServletRequest) request).getHeader("Authorization"));
      Bucket bucket =
          buckets.get(
              key,
              k -> Bucket.builder()
                  .addLimit(l -> l.capacity(1_000_000_000L).refillGreedy(1_000_000_000L, Duration.ofSeconds(1)))
                  .build());
      if (bucket.tryConsume(1)) {
        chain.doFilter(request, response);
      } else {
        ((HttpServletResponse) response).setStatus(429);
      }
    }
  }

  /** Hello, world. */
  static final class Hello extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final byte[] BODY = "hello, agent\n".getBytes(StandardCharsets.US_ASCII);

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
      response.setContentType("text/plain");
      response.setContentLength(BODY.length);
      response.getOutputStream().write(BODY);
    }
  }
}
