package dev.agentlimiter.jaxrs;

import dev.agentlimiter.servlet.contract.RunningServer;
import java.util.List;

/** The feature's own cases on Jersey 3.1 (servlet container on embedded Jetty 12). */
class JerseyFeatureTest extends FeatureSuite {

  @Override
  protected RunningServer start(List<?> components) throws Exception {
    return JerseyServer.start(components);
  }
}
