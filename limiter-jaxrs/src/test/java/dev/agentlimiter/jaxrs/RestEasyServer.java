package dev.agentlimiter.jaxrs;

import dev.agentlimiter.servlet.contract.RunningServer;
import jakarta.ws.rs.core.Application;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jboss.resteasy.core.ResteasyDeploymentImpl;
import org.jboss.resteasy.plugins.server.servlet.HttpServlet30Dispatcher;
import org.jboss.resteasy.spi.ResteasyDeployment;

/**
 * RESTEasy 6.2's {@code HttpServlet30Dispatcher} on embedded Jetty 12, with a started deployment in the
 * servlet context (as RESTEasy's own embedded servers do): the application's components as singletons.
 */
final class RestEasyServer {

  private RestEasyServer() {}

  static RunningServer start(List<?> components) throws Exception {
    Set<Object> singletons = new LinkedHashSet<>(components);
    return start(
        new Application() {
          @Override
          @SuppressWarnings("deprecation") // deprecated in Jakarta REST 3.1 in favour of CDI, still supported
          public Set<Object> getSingletons() {
            return singletons;
          }
        });
  }

  static RunningServer start(Application application) throws Exception {
    ResteasyDeployment deployment = new ResteasyDeploymentImpl();
    deployment.setApplication(application);
    deployment.start();
    return Jetty.start(
        new HttpServlet30Dispatcher(),
        context -> context.setAttribute(ResteasyDeployment.class.getName(), deployment),
        () -> {
          // stop() waits for RESTEasy's scheduler to run every pending AsyncResponse timeout (10 s for the
          // contract's /async): let it finish in the background
          Thread stopping = new Thread(deployment::stop, "resteasy-stop");
          stopping.setDaemon(true);
          stopping.start();
        });
  }
}
