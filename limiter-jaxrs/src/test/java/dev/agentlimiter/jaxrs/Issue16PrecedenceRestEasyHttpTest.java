package dev.agentlimiter.jaxrs;

import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.servlet.contract.Issue16PrecedenceHttpSuite;
import dev.agentlimiter.servlet.contract.RunningServer;
import org.junit.jupiter.api.condition.EnabledIf;

/** {@link Issue16PrecedenceHttpSuite} on the feature in RESTEasy 6.2 (HttpServlet30Dispatcher on embedded Jetty 12). */
@EnabledIf("dev.agentlimiter.jaxrs.Implementation#restEasy")
class Issue16PrecedenceRestEasyHttpTest extends Issue16PrecedenceHttpSuite {

  @Override
  protected RunningServer start(AgentLimiter limiter) throws Exception {
    return RestEasyServer.start(Issue16Resources.components(limiter));
  }

  @org.junit.jupiter.api.Test
  void anApplicationWhoseAnnotationNamesAnUndefinedPolicyNeverServesItUnlimited() throws Exception {
    RunningServer server;
    try {
      server = start(dev.agentlimiter.core.AgentLimiters.newBuilder().build());
    } catch (Exception | Error e) {
      org.assertj.core.api.Assertions.assertThat(e)
          .hasStackTraceContaining("policy 'orders' is not defined by the limiter's configuration");
      return; // the application did not start: nothing served
    }
    try (server) {
      java.net.http.HttpResponse<String> named =
          java.net.http.HttpClient.newHttpClient()
              .send(
                  java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.baseUri() + "/named")).build(),
                  java.net.http.HttpResponse.BodyHandlers.ofString());
      org.assertj.core.api.Assertions.assertThat(named.statusCode()).as(named.body()).isNotEqualTo(200);
    }
  }

  @Override
  protected String annotatedPolicy() {
    return "Endpoints.annotated";
  }
}
