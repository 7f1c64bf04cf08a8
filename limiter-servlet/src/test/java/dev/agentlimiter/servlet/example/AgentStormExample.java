package dev.agentlimiter.servlet.example;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.ConcurrencyLimit;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.LoopDetection;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Quarantine;
import dev.agentlimiter.api.RequestRules;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.AgentLimiters;
import dev.agentlimiter.core.identity.IdentityResolvers;
import dev.agentlimiter.core.identity.InMemoryApiKeyStore;
import dev.agentlimiter.servlet.AgentLimiterFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * The README's run command: an embedded Jetty on 127.0.0.1 with {@code AgentLimiterFilter} in front of a
 * small agent-facing endpoint, and a short storm over real HTTP. A polite agent places orders and honours
 * {@code Retry-After}; a runaway agent fires 50 identical retries at once; a credential stuffer guesses API
 * keys. Each agent's answers are printed with their reasons. Bounded: about 150 requests, a few seconds.
 *
 * <pre>mvn -B -q -pl limiter-servlet -am test-compile exec:java</pre>
 */
public final class AgentStormExample {

  static final String POLITE_KEY = "ak_demo_polite_2b8d6f0a4c9e17d3";
  static final String RUNAWAY_KEY = "ak_demo_runaway_7c1e9b3a5d2f40e8";
  private static final Pattern REASON = Pattern.compile("\"reason\":\"([A-Z_]+)\"");

  private AgentStormExample() {}

  public static void main(String[] args) throws Exception {
    run(System.out);
  }

  static Map<String, Map<String, Integer>> run(PrintStream out) throws Exception {
    // tag::limiter[]
    InMemoryApiKeyStore keys =
        InMemoryApiKeyStore.create()
            .add(POLITE_KEY, AgentIdentity.of("polite-agent", IdentitySource.API_KEY))
            .add(RUNAWAY_KEY, AgentIdentity.of("runaway-agent", IdentitySource.API_KEY));
    AgentLimiter limiter = AgentLimiters.newBuilder().identity(IdentityResolvers.apiKeys(keys)).build();
    Policy orders =
        Policy.named("orders")
            .limit(Limit.capacity(20).refill(10).per(Duration.ofSeconds(1)).named("burst"))
            .concurrency(ConcurrencyLimit.of(8))
            .loopDetection(LoopDetection.after(3).within(Duration.ofSeconds(10)))
            .quarantine(Quarantine.after(5).within(Duration.ofMinutes(1)))
            .build();
    Route route =
        Route.builder()
            .policy(orders)
            .rules(RequestRules.builder().allowContentType("application/json").maxBodyBytes(4096).json().build())
            .build();
    // end::limiter[]
    AtomicInteger served = new AtomicInteger();
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler();
    context.addServlet(new ServletHolder(new Orders(served)), "/v1/orders");
    // tag::filter[]
    context.addFilter(
        new FilterHolder(AgentLimiterFilter.builder(limiter).route("POST", "/v1/orders", route).build()),
        "/*",
        EnumSet.of(DispatcherType.REQUEST));
    // end::filter[]
    server.setHandler(context);
    server.start();
    URI uri = URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/v1/orders");
    Map<String, Map<String, Integer>> tally = new TreeMap<>();
    try {
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      out.println("embedded Jetty on " + uri + ", policy orders: burst 20, 10/s, 8 in flight, loops after 3"
          + " repeats in 10 s, quarantine after 5 refusals a minute");

      out.println();
      out.println("runaway-agent fires 50 identical POSTs at once, no back-off:");
      List<CompletableFuture<HttpResponse<String>>> storm = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        storm.add(client.sendAsync(post(uri, RUNAWAY_KEY, "{\"sku\":\"A-1\",\"qty\":1}"), HttpResponse.BodyHandlers.ofString()));
      }
      HttpResponse<String> sample = null;
      for (CompletableFuture<HttpResponse<String>> f : storm) {
        HttpResponse<String> r = f.join();
        count(tally, "runaway-agent", r);
        if (r.statusCode() == 429 && sample == null) {
          sample = r;
        }
      }
      out.println("  " + tally.get("runaway-agent"));
      if (sample != null) {
        out.println("  a refusal: " + sample.statusCode() + " Retry-After: " + sample.headers().firstValue("Retry-After").orElse("-"));
        out.println("  " + sample.body());
      }
      HttpResponse<String> again = client.send(post(uri, RUNAWAY_KEY, "{\"sku\":\"A-2\",\"qty\":1}"), HttpResponse.BodyHandlers.ofString());
      count(tally, "runaway-agent", again);
      out.println("  then a different order: " + again.statusCode() + " " + reason(again)
          + ", Retry-After: " + again.headers().firstValue("Retry-After").orElse("-") + " (the lane's penalty box)");

      out.println();
      out.println("polite-agent places 12 different orders, honouring Retry-After:");
      for (int i = 1; i <= 12; i++) {
        HttpResponse<String> r = client.send(post(uri, POLITE_KEY, "{\"sku\":\"B-" + i + "\",\"qty\":" + i + "}"), HttpResponse.BodyHandlers.ofString());
        count(tally, "polite-agent", r);
        if (i == 1) {
          out.println("  first answer: " + r.statusCode() + " RateLimit-Policy: " + r.headers().firstValue("RateLimit-Policy").orElse("-")
              + " RateLimit: " + r.headers().firstValue("RateLimit").orElse("-"));
        }
        if (r.statusCode() == 429) {
          Thread.sleep(1000L * Long.parseLong(r.headers().firstValue("Retry-After").orElse("1")));
        }
      }
      out.println("  " + tally.get("polite-agent"));

      out.println();
      out.println("credential-stuffer guesses 25 API keys from the same address:");
      for (int i = 0; i < 25; i++) {
        HttpResponse<String> r = client.send(post(uri, "ak_guess_" + i + "_0123456789abcdef", "{}"), HttpResponse.BodyHandlers.ofString());
        count(tally, "credential-stuffer", r);
      }
      out.println("  " + tally.get("credential-stuffer"));
      out.println();
      out.println("the application served " + served.get() + " orders");
    } finally {
      server.stop();
    }
    return tally;
  }

  private static HttpRequest post(URI uri, String key, String json) {
    return HttpRequest.newBuilder(uri)
        .timeout(Duration.ofSeconds(10))
        .header("Authorization", "Bearer " + key)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8))
        .build();
  }

  private static void count(Map<String, Map<String, Integer>> tally, String agent, HttpResponse<String> r) {
    tally.computeIfAbsent(agent, a -> new TreeMap<>()).merge(r.statusCode() + " " + reason(r), 1, Integer::sum);
  }

  private static String reason(HttpResponse<String> r) {
    Matcher m = REASON.matcher(r.body());
    return m.find() ? m.group(1) : "OK";
  }

  /** The agent-facing endpoint: reads the order (the bytes the filter replayed) and confirms it. */
  static final class Orders extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private final transient AtomicInteger served;

    Orders(AtomicInteger served) {
      this.served = served;
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
      byte[] order = request.getInputStream().readAllBytes();
      served.incrementAndGet();
      response.setContentType("application/json");
      response.getOutputStream().write(("{\"accepted\":" + order.length + "}").getBytes(StandardCharsets.UTF_8));
    }
  }
}
