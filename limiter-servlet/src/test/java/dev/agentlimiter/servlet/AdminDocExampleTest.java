package dev.agentlimiter.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.AgentLimiters;
import dev.agentlimiter.core.http.AdminEndpoint;
import dev.agentlimiter.core.identity.IdentityResolvers;
import dev.agentlimiter.core.identity.InMemoryApiKeyStore;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/admin-endpoint.md's servlet setup, run on embedded Jetty over real HTTP; the page must show the tagged
 * region verbatim.
 */
class AdminDocExampleTest {

  private static final String AGENT_KEY = "ak_agent7_0123456789abcdef";
  private static final String ADMIN_KEY = "adm_oncall_5e6f7a8b9c0d1e2f";

  @Test
  void theSetupExampleWorksAndIsShownVerbatim() throws Exception {
    AgentLimiter limiter =
        AgentLimiters.newBuilder()
            .identity(IdentityResolvers.apiKeys(
                InMemoryApiKeyStore.create().add(AGENT_KEY, AgentIdentity.of("agent-7", IdentitySource.API_KEY))))
            .build();
    Route apiRoute =
        Route.of(Policy.named("api").limit(Limit.capacity(60).refill(60).per(Duration.ofMinutes(1))).build());
    String adminKey = ADMIN_KEY; // from the application's secret store
    // tag::setup[]
    InMemoryApiKeyStore adminKeys = InMemoryApiKeyStore.create()     // a store of its own, not the agents'
        .add(adminKey, new AgentIdentity("ops-oncall", "default", Set.of("agentlimiter:admin"), IdentitySource.API_KEY));
    AdminEndpoint admin = AdminEndpoint.builder(limiter)
        .identity(IdentityResolvers.apiKeys(adminKeys))              // required: its own credential check
        .build();                                                    // at /_agentlimiter, scope agentlimiter:admin
    AgentLimiterFilter filter = AgentLimiterFilter.builder(limiter)
        .route("/v1/*", apiRoute)
        .adminEndpoint(admin)                                        // off unless set
        .build();                                                    // map it on /* so it sees /_agentlimiter
    // end::setup[]
    HttpServlet application =
        new HttpServlet() {
          private static final long serialVersionUID = 1L;

          @Override
          protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            response.getWriter().print("app");
          }
        };
    try (FilteredJetty jetty = FilteredJetty.start(filter, application)) {
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> anonymous = http.send(
          HttpRequest.newBuilder(URI.create(jetty.base() + "/_agentlimiter/quarantined")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(anonymous.statusCode()).isEqualTo(401);
      HttpResponse<String> ops = http.send(
          HttpRequest.newBuilder(URI.create(jetty.base() + "/_agentlimiter/quarantined"))
              .header("Authorization", "Bearer " + ADMIN_KEY)
              .build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(ops.statusCode()).isEqualTo(200);
      assertThat(ops.body()).isEqualTo("{\"quarantined\":[]}");
      HttpResponse<String> agent = http.send(
          HttpRequest.newBuilder(URI.create(jetty.base() + "/v1/orders")).header("Authorization", "Bearer " + AGENT_KEY).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(agent.statusCode()).isEqualTo(200);
      assertThat(agent.body()).isEqualTo("app");
      HttpResponse<String> adminKeyOnTheApi = http.send(
          HttpRequest.newBuilder(URI.create(jetty.base() + "/v1/orders")).header("Authorization", "Bearer " + ADMIN_KEY).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(adminKeyOnTheApi.statusCode()).as("the admin key is no agent's key").isEqualTo(401);
    }

    String source =
        Files.readString(Path.of("src/test/java/dev/agentlimiter/servlet/AdminDocExampleTest.java"), StandardCharsets.UTF_8);
    String page = Files.readString(Path.of("../docs/admin-endpoint.md"), StandardCharsets.UTF_8);
    Matcher m = Pattern.compile("// tag::setup\\[]\\n(.*?)\\n\\s*// end::setup\\[]", Pattern.DOTALL).matcher(source);
    assertThat(m.find()).isTrue();
    String region = m.group(1).stripIndent();
    assertThat(page.contains(region)).as("docs/admin-endpoint.md shows verbatim:%n%s", region).isTrue();
  }
}
