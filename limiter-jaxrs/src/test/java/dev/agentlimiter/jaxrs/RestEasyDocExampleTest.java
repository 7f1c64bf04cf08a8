package dev.agentlimiter.jaxrs;

import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.servlet.contract.RunningServer;
import jakarta.ws.rs.core.Application;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** docs/jaxrs.md's RESTEasy registration, run as shown. */
class RestEasyDocExampleTest {

  // tag::resteasy[]
  public static class OrdersApplication extends Application {
    private final Set<Object> singletons;

    public OrdersApplication(AgentLimiter limiter) {
      singletons = Set.of(new DocExample.Orders(), AgentLimiterFeature.builder(limiter).build());
    }

    @Override
    @SuppressWarnings("deprecation") // deprecated by Jakarta REST 3.1 in favour of CDI; still supported
    public Set<Object> getSingletons() {
      return singletons;
    }
  }
  // end::resteasy[]

  @Test
  void theDocsRestEasyExampleWorksAndIsShownVerbatim() throws Exception {
    RunningServer server = RestEasyServer.start(new OrdersApplication(DocExample.limiter(DocExample.keys())));
    try {
      DocExample.check(server);
    } finally {
      server.stop();
    }
    DocExample.assertShownVerbatim("RestEasyDocExampleTest.java", "resteasy");
  }
}
