package dev.agentlimiter.servlet;

import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentPolicy;
import dev.agentlimiter.api.AgentRateLimit;
import dev.agentlimiter.core.AgentLimiters;
import dev.agentlimiter.servlet.contract.Issue16PrecedenceHttpSuite;
import dev.agentlimiter.servlet.contract.RunningServer;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link Issue16PrecedenceHttpSuite} on the servlet filter, in embedded Jetty 12, annotations discovered. */
class Issue16PrecedenceJettyHttpTest extends Issue16PrecedenceHttpSuite {

  /** {@code GET /annotated}. */
  public static final class Annotated extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    @AgentRateLimit(name = "l", capacity = 5, refill = 1, period = "PT1H")
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
      response.getWriter().print("ok");
    }
  }

  /** {@code GET /named}. */
  public static final class Named extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    @AgentPolicy("orders")
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
      response.getWriter().print("ok");
    }
  }

  /** {@code GET /plain}. */
  public static final class Plain extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
      response.getWriter().print("ok");
    }
  }

  @Override
  protected String annotatedPolicy() {
    return "Annotated.get";
  }

  @Override
  protected RunningServer start(AgentLimiter limiter) throws Exception {
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler();
    context.addServlet(Annotated.class, "/annotated");
    context.addServlet(Named.class, "/named");
    context.addServlet(Plain.class, "/plain");
    context.addFilter(
        new FilterHolder(AgentLimiterFilter.builder(limiter).anonymousAnnotatedRoutes(true).build()),
        "/*",
        EnumSet.of(DispatcherType.REQUEST));
    server.setHandler(context);
    try {
      server.start(); // a filter that throws in init fails the start
    } catch (Exception e) {
      server.stop();
      throw e;
    }
    return RunningServer.of(
        URI.create("http://127.0.0.1:" + connector.getLocalPort()),
        () -> {
          try {
            server.stop();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
  }

  @Test
  void aFilterWhoseAnnotationNamesAnUndefinedPolicyDoesNotStart() {
    assertThatThrownBy(() -> start(AgentLimiters.newBuilder().build()).close())
        .hasStackTraceContaining("policy 'orders' is not defined by the limiter's configuration");
  }
}
