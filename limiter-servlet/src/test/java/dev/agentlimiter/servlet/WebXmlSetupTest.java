package dev.agentlimiter.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.AgentLimiters;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;

/**
 * The filter declared as web.xml declares it: by class name, with the init-param naming a {@link
 * AgentLimiterFilter.Setup}; on real Jetty over real HTTP.
 */
class WebXmlSetupTest {

  /** What a web.xml names: an anonymous route of two requests per minute on /hello. */
  public static final class TwoPerMinute implements AgentLimiterFilter.Setup {
    @Override
    public AgentLimiterFilter.Builder configure(ServletContext context) {
      Policy hello = Policy.named("hello").limit(Limit.capacity(2).refill(2).per(Duration.ofMinutes(1))).build();
      return AgentLimiterFilter.builder(AgentLimiters.newBuilder().build())
          .route("/hello", Route.builder().policy(hello).allowAnonymous().build());
    }
  }

  /** Not a Setup. */
  public static final class NotASetup {}

  private static Server start(String setupClass) throws Exception {
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler();
    context.addServlet(
        new ServletHolder(
            new HttpServlet() {
              private static final long serialVersionUID = 1L;

              @Override
              protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
                response.getWriter().print("hello");
              }
            }),
        "/hello");
    FilterHolder holder = new FilterHolder(AgentLimiterFilter.class);
    holder.setInitParameter(AgentLimiterFilter.SETUP_PARAMETER, setupClass);
    context.addFilter(holder, "/*", EnumSet.of(DispatcherType.REQUEST));
    server.setHandler(context);
    server.start();
    return server;
  }

  @Test
  void aFilterDeclaredByClassNameReadsItsSetup() throws Exception {
    Server server = start(TwoPerMinute.class.getName());
    try {
      int port = ((ServerConnector) server.getConnectors()[0]).getLocalPort();
      HttpClient client = HttpClient.newHttpClient();
      List<Integer> statuses = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        statuses.add(
            client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hello")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode());
      }
      assertThat(statuses).containsExactly(200, 200, 429);
    } finally {
      server.stop();
    }
  }

  @Test
  void aWrongSetupFailsTheStartNamingIt() {
    assertThatThrownBy(() -> start(NotASetup.class.getName()).stop())
        .hasStackTraceContaining("cannot use dev.agentlimiter.setup '" + NotASetup.class.getName() + "'");
    assertThatThrownBy(() -> start("com.example.Missing").stop())
        .hasStackTraceContaining("cannot use dev.agentlimiter.setup 'com.example.Missing'");
  }
}
