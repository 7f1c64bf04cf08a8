package dev.agentlimiter.jaxrs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.core.http.AdminEndpoint;
import dev.agentlimiter.core.identity.IdentityResolvers;
import dev.agentlimiter.core.identity.InMemoryApiKeyStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Set;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.glassfish.jersey.server.ResourceConfig;
import org.glassfish.jersey.servlet.ServletContainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * docs/admin-endpoint.md's Jersey registration, run as shown with the application's base URI at {@code /api}:
 * the endpoint answers below the base URI, and the root's admin path is not the feature's.
 */
@EnabledIf("dev.agentlimiter.jaxrs.Implementation#jersey")
class AdminJerseyDocExampleTest {

  private static final String ADMIN_KEY = "adm_oncall_5e6f7a8b9c0d1e2f";

  @Test
  void theJerseyExampleAnswersBelowTheBaseUriAndIsShownVerbatim() throws Exception {
    AgentLimiter limiter = DocExample.limiter(DocExample.keys());
    AdminEndpoint admin =
        AdminEndpoint.builder(limiter)
            .identity(
                IdentityResolvers.apiKeys(
                    InMemoryApiKeyStore.create()
                        .add(ADMIN_KEY, new AgentIdentity("ops-oncall", "default", Set.of("agentlimiter:admin"), IdentitySource.API_KEY))))
            .build();
    // tag::jaxrs[]
    ResourceConfig config = new ResourceConfig()
        .register(new DocExample.Orders())
        .register(AgentLimiterFeature.builder(limiter)
            .adminEndpoint(admin)                    // {base URI}/_agentlimiter/..., answered before matching
            .build());
    // end::jaxrs[]
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler();
    ServletHolder holder = new ServletHolder("jaxrs", new ServletContainer(config));
    holder.setInitOrder(1);
    context.addServlet(holder, "/api/*"); // the base URI is http://host/api/
    server.setHandler(context);
    server.start();
    try {
      String base = "http://127.0.0.1:" + connector.getLocalPort();
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> ops = http.send(
          HttpRequest.newBuilder(URI.create(base + "/api/_agentlimiter/quarantined"))
              .header("Authorization", "Bearer " + ADMIN_KEY)
              .build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(ops.statusCode()).isEqualTo(200);
      assertThat(ops.body()).isEqualTo("{\"quarantined\":[]}");
      assertThat(ops.headers().firstValue("Cache-Control")).hasValue("no-store");
      HttpResponse<String> root = http.send(
          HttpRequest.newBuilder(URI.create(base + "/_agentlimiter/quarantined"))
              .header("Authorization", "Bearer " + ADMIN_KEY)
              .build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(root.statusCode()).as("outside the application: not the feature's").isEqualTo(404);
      HttpResponse<String> orders = http.send(
          HttpRequest.newBuilder(URI.create(base + "/api/orders"))
              .header("Authorization", "Bearer " + DocExample.READER_KEY)
              .build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(orders.statusCode()).isEqualTo(200);
    } finally {
      server.stop();
    }
    DocExample.assertShownVerbatimIn("../docs/admin-endpoint.md", "AdminJerseyDocExampleTest.java", "jaxrs");
  }
}
