package dev.agentlimiter.jaxrs;

import dev.agentlimiter.servlet.contract.RunningServer;
import java.util.List;

/** The feature's own cases on RESTEasy 6.2 (HttpServlet30Dispatcher on embedded Jetty 12). */
class RestEasyFeatureTest extends FeatureSuite {

  @Override
  protected RunningServer start(List<?> components) throws Exception {
    return RestEasyServer.start(components);
  }
}
