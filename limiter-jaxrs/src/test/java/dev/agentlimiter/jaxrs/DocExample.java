package dev.agentlimiter.jaxrs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRateLimit;
import dev.agentlimiter.api.ApiKeyStore;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.RequireScope;
import dev.agentlimiter.core.AgentLimiters;
import dev.agentlimiter.core.identity.IdentityResolvers;
import dev.agentlimiter.core.identity.InMemoryApiKeyStore;
import dev.agentlimiter.servlet.contract.RunningServer;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The code docs/jaxrs.md shows: a resource, a limiter, and (in {@link JerseyDocExampleTest} and {@link
 * RestEasyDocExampleTest}) its registration. The tests run it over real HTTP and check that the page shows
 * each tagged region verbatim, so the page cannot drift from code that compiles and works.
 */
final class DocExample {

  static final String WRITER_KEY = "ak_writer_0123456789abcdef";
  static final String READER_KEY = "ak_reader_0123456789abcdef";

  private DocExample() {}

  // tag::resource[]
  @Path("/orders")
  @AgentRateLimit(name = "burst", capacity = 20, refill = 10, period = "PT1S")     // every method of the class
  public static class Orders {

    @GET
    public String list() {
      return "[]";
    }

    @POST
    @RequireScope("orders:write")                                                  // else 403
    @AgentRateLimit(name = "burst", capacity = 5, refill = 1, period = "PT1S")     // replaces the class's
    @AgentRateLimit(name = "daily", capacity = 500, refill = 500, period = "P1D")
    public String create(String order) {
      return "created";
    }
  }
  // end::resource[]

  static ApiKeyStore keys() {
    return InMemoryApiKeyStore.create()
        .add(WRITER_KEY, new AgentIdentity("agent-7", "default", Set.of("orders:write"), IdentitySource.API_KEY))
        .add(READER_KEY, new AgentIdentity("agent-8", "default", Set.of(), IdentitySource.API_KEY));
  }

  static AgentLimiter limiter(ApiKeyStore keys) {
    // tag::limiter[]
    AgentLimiter limiter = AgentLimiters.newBuilder()
        .identity(
            IdentityResolvers.principal(),           // your authentication filter's SecurityContext principal
            IdentityResolvers.apiKeys(keys))         // else Authorization: Bearer <key>
        .build();
    // end::limiter[]
    return limiter;
  }

  /** The example's behaviour over HTTP, whichever implementation serves it. */
  static void check(RunningServer server) throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<String> list = http.send(request(server, READER_KEY).GET().build(), BodyHandlers.ofString());
    assertThat(list.statusCode()).isEqualTo(200);
    assertThat(list.headers().allValues("RateLimit-Policy")).containsExactly("\"burst\";q=20;w=1");
    HttpResponse<String> forbidden =
        http.send(request(server, READER_KEY).POST(BodyPublishers.ofString("{}")).build(), BodyHandlers.ofString());
    assertThat(forbidden.statusCode()).isEqualTo(403);
    HttpResponse<String> created =
        http.send(request(server, WRITER_KEY).POST(BodyPublishers.ofString("{}")).build(), BodyHandlers.ofString());
    assertThat(created.statusCode()).isEqualTo(200);
    assertThat(created.body()).isEqualTo("created");
    assertThat(created.headers().allValues("RateLimit-Policy")).containsExactly("\"burst\";q=5;w=1, \"daily\";q=500;w=86400");
    HttpResponse<String> anonymous =
        http.send(HttpRequest.newBuilder(URI.create(server.baseUri() + "/orders")).GET().build(), BodyHandlers.ofString());
    assertThat(anonymous.statusCode()).isEqualTo(401);
  }

  private static HttpRequest.Builder request(RunningServer server, String key) {
    return HttpRequest.newBuilder(URI.create(server.baseUri() + "/orders"))
        .timeout(Duration.ofSeconds(10))
        .header("Authorization", "Bearer " + key)
        .header("Content-Type", "application/json");
  }

  /** Checks that docs/jaxrs.md shows each tagged region of {@code sourceFile} verbatim. */
  static void assertShownVerbatim(String sourceFile, String... tags) throws IOException {
    assertShownVerbatimIn("../docs/jaxrs.md", sourceFile, tags);
  }

  /** Checks that {@code page} (relative to the module) shows each tagged region of {@code sourceFile} verbatim. */
  static void assertShownVerbatimIn(String pageFile, String sourceFile, String... tags) throws IOException {
    String source =
        Files.readString(java.nio.file.Path.of("src/test/java/dev/agentlimiter/jaxrs/" + sourceFile), StandardCharsets.UTF_8);
    String page = Files.readString(java.nio.file.Path.of(pageFile), StandardCharsets.UTF_8);
    for (String tag : tags) {
      Matcher m =
          Pattern.compile("// tag::" + tag + "\\[]\\n(.*?)\\n\\s*// end::" + tag + "\\[]", Pattern.DOTALL).matcher(source);
      assertThat(m.find()).as("region %s of %s", tag, sourceFile).isTrue();
      String region = m.group(1).stripIndent();
      assertThat(page.contains(region)).as("%s shows verbatim:%n%s", pageFile, region).isTrue();
    }
  }
}
