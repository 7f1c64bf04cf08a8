package dev.agentlimiter.jaxrs;

import dev.agentlimiter.servlet.contract.RunningServer;
import java.util.List;
import org.glassfish.jersey.server.ResourceConfig;
import org.glassfish.jersey.servlet.ServletContainer;

/** Jersey 3.1's {@code ServletContainer} on embedded Jetty 12: the application's components, registered as instances. */
final class JerseyServer {

  private JerseyServer() {}

  static RunningServer start(List<?> components) throws Exception {
    ResourceConfig config = new ResourceConfig();
    for (Object component : components) {
      config.register(component);
    }
    return Jetty.start(new ServletContainer(config), context -> {}, () -> {});
  }
}
