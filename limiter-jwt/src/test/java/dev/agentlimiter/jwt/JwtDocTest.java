package dev.agentlimiter.jwt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.IdentityResolver;
import dev.agentlimiter.api.IdentityResult;
import dev.agentlimiter.api.RequestView;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.core.AgentLimiters;
import dev.agentlimiter.core.identity.IdentityResolvers;
import dev.agentlimiter.core.identity.InMemoryApiKeyStore;
import org.junit.jupiter.api.Test;

/** The example of docs/jwt.md, compiled and run; the doc must contain the regions verbatim. */
class JwtDocTest {

  // tag::builder[]
  IdentityResolver jwt = JwtIdentityResolver.newBuilder()
      .issuer("https://login.example.com/")                 // iss must equal this exactly
      .audience("orders-api")                               // aud must contain this
      .allowedAlgorithms("RS256", "ES256")                  // required; "none" is refused
      .jwksUri(URI.create("https://login.example.com/.well-known/jwks.json"))
      .jwksCacheTimeToLive(Duration.ofMinutes(10))          // default 5 min
      .clockSkew(Duration.ofSeconds(30))                    // the default
      .tierClaim("plan")                                    // default: no tier claim
      .verifiedTokenCache(10_000)                           // default: off
      .build();
  // end::builder[]

  InMemoryApiKeyStore keys = InMemoryApiKeyStore.create();

  // tag::chain[]
  AgentLimiter limiter = AgentLimiters.newBuilder()
      .identity(jwt, IdentityResolvers.apiKeys(keys))       // JWTs first: they abstain on opaque keys
      .build();
  // end::chain[]

  String describe(RequestView request) {
    // tag::resolve[]
    IdentityResult result = jwt.resolve(request);
    if (result instanceof IdentityResult.Identified identified) {
      AgentIdentity agent = identified.identity();          // id from sub, tier, scopes, source JWT
      return "agent " + agent.id() + " (" + agent.tier() + ")";
    } else if (result instanceof IdentityResult.Rejected rejected) {
      return "401, audit cause " + rejected.cause();        // e.g. "expired", "bad-signature"
    } else {
      return "no bearer JWT: ask the next resolver";        // e.g. an opaque API key
    }
    // end::resolve[]
  }

  @Test
  void theExampleRuns() {
    assertThat(describe(TestRequest.none())).isEqualTo("no bearer JWT: ask the next resolver");
    assertThat(describe(TestRequest.authorization("Bearer sk_live_0123456789abcdef")))
        .isEqualTo("no bearer JWT: ask the next resolver");
    assertThat(describe(TestRequest.bearer(new com.nimbusds.jwt.PlainJWT(Keys.claims().build()).serialize())))
        .isEqualTo("401, audit cause algorithm-not-allowed");
  }

  @Test
  void theDocShowsTheCompiledExample() throws IOException {
    String source =
        Files.readString(
            Path.of("src/test/java/dev/agentlimiter/jwt/JwtDocTest.java"), StandardCharsets.UTF_8);
    String doc = Files.readString(Path.of("../docs/jwt.md"), StandardCharsets.UTF_8);
    for (String tag : new String[] {"builder", "chain", "resolve"}) {
      Matcher m =
          Pattern.compile(
                  "// tag::" + tag + "\\[]\\n(.*?)\\n\\s*// end::" + tag + "\\[]", Pattern.DOTALL)
              .matcher(source);
      assertThat(m.find()).isTrue();
      assertThat(doc).as("docs/jwt.md region %s", tag).contains(m.group(1).stripIndent());
    }
  }
}
