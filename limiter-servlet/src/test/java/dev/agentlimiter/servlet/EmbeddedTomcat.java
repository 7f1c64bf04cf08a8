package dev.agentlimiter.servlet;

import dev.agentlimiter.servlet.contract.RunningServer;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.http.HttpServlet;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.catalina.Lifecycle;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.startup.Tomcat;

/**
 * A started embedded Tomcat 10.1 on 127.0.0.1 and a free port: servlets by URL pattern (async supported)
 * behind one filter on {@code /*}, registered through the Servlet API as an application would.
 */
final class EmbeddedTomcat {

  private EmbeddedTomcat() {}

  static RunningServer start(Map<String, HttpServlet> servlets, Filter filter) throws Exception {
    Path baseDir = Files.createTempDirectory("tomcat-test");
    Tomcat tomcat = new Tomcat();
    tomcat.setBaseDir(baseDir.toString());
    Connector connector = new Connector();
    connector.setPort(0);
    connector.setProperty("address", "127.0.0.1");
    tomcat.setConnector(connector);
    // Not tomcat.addContext: its FixContextListener reads @Resource, which needs tomcat-annotations-api, a
    // transitive dependency this build does not resolve (and the tests do not need).
    StandardContext context = new StandardContext();
    context.setName("");
    context.setPath("");
    context.setIgnoreAnnotations(true);
    context.setParentClassLoader(EmbeddedTomcat.class.getClassLoader());
    context.addLifecycleListener(
        event -> {
          if (Lifecycle.CONFIGURE_START_EVENT.equals(event.getType())) {
            context.setConfigured(true);
          }
        });
    tomcat.getHost().addChild(context);
    // Through the Servlet API: Tomcat.addServlet(context, name, instance) leaves the registration's class
    // name null, which hides the servlet from annotation discovery.
    context.addServletContainerInitializer(
        (classes, servletContext) -> {
          int n = 0;
          for (Map.Entry<String, HttpServlet> e : servlets.entrySet()) {
            ServletRegistration.Dynamic servlet = servletContext.addServlet("servlet" + n++, e.getValue());
            servlet.setAsyncSupported(true);
            servlet.addMapping(e.getKey());
          }
          FilterRegistration.Dynamic registration = servletContext.addFilter("agent-limiter", filter);
          registration.setAsyncSupported(true);
          registration.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, "/*");
        },
        null);
    tomcat.start();
    URI base = URI.create("http://127.0.0.1:" + connector.getLocalPort());
    return RunningServer.of(
        base,
        () -> {
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
        });
  }
}
