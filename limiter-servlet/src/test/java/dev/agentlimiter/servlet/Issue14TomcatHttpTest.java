package dev.agentlimiter.servlet;

import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.servlet.contract.Apps;
import dev.agentlimiter.servlet.contract.Issue14HttpSuite;
import dev.agentlimiter.servlet.contract.RunningServer;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterRegistration;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.Stream;
import org.apache.catalina.Lifecycle;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.startup.Tomcat;

/**
 * Issue 14's HTTP-level items over real HTTP: the servlet filter on embedded Tomcat 10.1, set up as {@code
 * TomcatContractTest} does.
 */
class Issue14TomcatHttpTest extends Issue14HttpSuite {

  @Override
  protected RunningServer start(AgentLimiter limiter, List<Apps.RouteSpec> routes, App app) throws Exception {
    AgentLimiterFilter.Builder builder = AgentLimiterFilter.builder(limiter);
    for (Apps.RouteSpec r : routes) {
      builder.route(r.method(), r.pattern(), r.route());
    }
    AgentLimiterFilter filter = builder.build();
    Path baseDir = Files.createTempDirectory("tomcat-issue14");
    Tomcat tomcat = new Tomcat();
    tomcat.setBaseDir(baseDir.toString());
    Connector connector = new Connector();
    connector.setPort(0);
    connector.setProperty("address", "127.0.0.1");
    tomcat.setConnector(connector);
    StandardContext context = new StandardContext();
    context.setName("");
    context.setPath("");
    context.setIgnoreAnnotations(true);
    context.setParentClassLoader(Issue14TomcatHttpTest.class.getClassLoader());
    context.addLifecycleListener(
        event -> {
          if (Lifecycle.CONFIGURE_START_EVENT.equals(event.getType())) {
            context.setConfigured(true);
          }
        });
    tomcat.getHost().addChild(context);
    context.addServletContainerInitializer(
        (classes, servletContext) -> {
          servletContext.addServlet("issue14", new Issue14Servlet(app)).addMapping("/*");
          FilterRegistration.Dynamic registration = servletContext.addFilter("agent-limiter", filter);
          registration.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, "/*");
        },
        null);
    tomcat.start();
    URI base = URI.create("http://127.0.0.1:" + connector.getLocalPort());
    return new RunningServer() {
      @Override
      public URI baseUri() {
        return base;
      }

      @Override
      public void stop() {
        try {
          tomcat.stop();
          tomcat.destroy();
        } catch (LifecycleException e) {
          // best effort
        }
        try (Stream<Path> files = Files.walk(baseDir)) {
          files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
          // best effort
        }
      }
    };
  }
}
