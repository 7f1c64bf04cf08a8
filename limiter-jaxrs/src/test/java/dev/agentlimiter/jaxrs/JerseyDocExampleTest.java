package dev.agentlimiter.jaxrs;

import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.servlet.contract.RunningServer;
import org.glassfish.jersey.server.ResourceConfig;
import org.glassfish.jersey.servlet.ServletContainer;
import org.junit.jupiter.api.Test;

/** docs/jaxrs.md's (and the README's) Jersey registration, run as shown. */
class JerseyDocExampleTest {

  @Test
  void theDocsJerseyExampleWorksAndIsShownVerbatim() throws Exception {
    AgentLimiter limiter = DocExample.limiter(DocExample.keys());
    // tag::jersey[]
    ResourceConfig config = new ResourceConfig()
        .register(new DocExample.Orders())
        .register(AgentLimiterFeature.builder(limiter).build());
    // end::jersey[]
    RunningServer server = Jetty.start(new ServletContainer(config), context -> {}, () -> {});
    try {
      DocExample.check(server);
    } finally {
      server.stop();
    }
    DocExample.assertShownVerbatim("DocExample.java", "resource", "limiter");
    DocExample.assertShownVerbatim("JerseyDocExampleTest.java", "jersey");
    DocExample.assertShownVerbatimIn("../README.md", "DocExample.java", "resource");
    DocExample.assertShownVerbatimIn("../README.md", "JerseyDocExampleTest.java", "jersey");
  }
}
