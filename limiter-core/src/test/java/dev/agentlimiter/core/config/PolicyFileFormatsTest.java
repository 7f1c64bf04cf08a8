package dev.agentlimiter.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentlimiter.api.Budget;
import dev.agentlimiter.api.BurstDetection;
import dev.agentlimiter.api.ConcurrencyLimit;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.LoopDetection;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.PolicySet;
import dev.agentlimiter.api.Quarantine;
import dev.agentlimiter.api.Reputation;
import dev.agentlimiter.api.RequestRules;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.api.StateInheritance;
import dev.agentlimiter.core.config.PolicyFiles.Format;
import dev.agentlimiter.core.identity.ForwardedHeader;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** YAML and JSON are one tree: the same configuration in either parses to equal files, as code builds it. */
class PolicyFileFormatsTest {

  static String resource(String name) throws IOException {
    try (InputStream in =
        Objects.requireNonNull(PolicyFileFormatsTest.class.getResourceAsStream(name), name)) {
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  private Path copy(Path dir, String name) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, resource(name));
    return file;
  }

  /** The typical file's configuration, as code writes it. */
  static PolicySet typicalInCode() {
    Duration second = Duration.ofSeconds(1);
    Duration minute = Duration.ofMinutes(1);
    Duration hour = Duration.ofHours(1);
    return PolicySet.builder()
        .inheritance(StateInheritance.AS_IS)
        .credentialFailureLimit(Limit.capacity(20).refill(20).per(minute))
        .policy(
            Policy.named("search")
                .lane("inbound")
                .limit(Limit.capacity(20).refill(10).per(second).named("burst"))
                .limit(Limit.capacity(600).refill(600).per(hour).named("hourly"))
                .concurrency(ConcurrencyLimit.of(8).withMaxHold(Duration.ofMinutes(2)))
                .loopDetection(LoopDetection.after(5).within(Duration.ofSeconds(10)))
                .burstDetection(BurstDetection.factor(8).withMode(BurstDetection.Mode.THROTTLE))
                .reputation(Reputation.errorsAbove(20).within(minute))
                .build())
        .inheritance("search", StateInheritance.PROPORTIONAL)
        .policy(
            Policy.named("search-pro")
                .lane("inbound")
                .limit(Limit.capacity(100).refill(50).per(second).named("burst"))
                .limit(Limit.capacity(6000).refill(6000).per(hour).named("hourly"))
                .build())
        .policy(
            Policy.named("search-anonymous")
                .lane("inbound")
                .limit(Limit.capacity(5).refill(1).per(second).named("burst"))
                .build())
        .policy(
            Policy.named("completions")
                .lane("egress")
                .limit(Limit.capacity(30).refill(30).per(minute).named("calls"))
                .quarantine(
                    Quarantine.after(20).within(minute).withDuration(Duration.ofMinutes(5), hour))
                .budget(Budget.named("llm-tokens").amount(2_000_000).perDay())
                .build())
        .tierOverride("pro", "search", "search-pro")
        .tierOverride("anonymous", "search", "search-anonymous")
        .route("GET", "/search/*", Route.builder().policy("search").allowAnonymous().build())
        .route(
            "POST",
            "/completions",
            Route.builder()
                .policy("completions")
                .requireScope("llm:invoke")
                .rules(
                    RequestRules.builder()
                        .requireHeader("Idempotency-Key")
                        .allowContentType("application/json")
                        .maxBodyBytes(65536)
                        .json()
                        .build())
                .build())
        .shadowRoute("GET", "/v2/search/*", Route.builder().policy("search").build())
        .build();
  }

  @Test
  void yamlAndJsonOfOneConfigurationAreEqual(@TempDir Path dir) throws IOException {
    PolicyFile yaml = PolicyFiles.read(copy(dir, "typical.yaml"));
    PolicyFile json = PolicyFiles.read(copy(dir, "typical.json"));

    assertThat(yaml).isEqualTo(json).hasSameHashCodeAs(json);
    assertThat(yaml.source()).endsWith("typical.yaml");
    assertThat(json.source()).endsWith("typical.json");
  }

  @Test
  void theFileIsWhatCodeWouldBuild(@TempDir Path dir) throws IOException {
    PolicyFile file = PolicyFiles.read(copy(dir, "typical.yaml"));

    assertThat(file.policies()).isEqualTo(typicalInCode());
    assertThat(file.identity())
        .contains(
            new PolicyFile.Identity(
                Optional.of(dir.toAbsolutePath().resolve("keys.txt")),
                List.of("10.0.0.0/8"),
                Optional.of(ForwardedHeader.X_FORWARDED_FOR),
                List.of(
                    new PolicyFile.JwtIssuer(
                        "https://login.example.com/",
                        URI.create("https://login.example.com/.well-known/jwks.json"),
                        List.of("search-api"),
                        List.of("RS256", "ES256"),
                        Duration.ofSeconds(30),
                        true))));
    assertThat(file.audit()).contains(new PolicyFile.Audit(false));
    assertThat(file.metrics()).contains(new PolicyFile.Metrics(true, Optional.of("agent.limiter")));
    assertThat(file.reload()).contains(new PolicyFile.Reload(Duration.ofSeconds(2)));
  }

  @Test
  void sectionsLeftOutAreEmptyAndDefaultsApply() {
    PolicyFile bare = PolicyFiles.parse("version: 1\n", "bare.yaml", Format.YAML);
    assertThat(bare.policies()).isEqualTo(PolicySet.empty());
    assertThat(bare.identity()).isEmpty();
    assertThat(bare.audit()).isEmpty();
    assertThat(bare.metrics()).isEmpty();
    assertThat(bare.reload()).isEmpty();

    PolicyFile defaults =
        PolicyFiles.parse(
            "{\"version\": 1, \"audit\": {}, \"metrics\": {}, \"reload\": {}, \"identity\": {}}",
            "defaults.json",
            Format.JSON);
    assertThat(defaults.audit()).contains(new PolicyFile.Audit(false));
    assertThat(defaults.metrics()).contains(new PolicyFile.Metrics(true, Optional.empty()));
    assertThat(defaults.reload()).contains(new PolicyFile.Reload(PolicyFile.Reload.DEFAULT_POLL));
    assertThat(defaults.identity())
        .contains(new PolicyFile.Identity(Optional.empty(), List.of(), Optional.empty(), List.of()));
  }

  @Test
  void writtenTextOfTheTypicalFileReadsBack() {
    PolicySet set = typicalInCode();
    for (Format format : Format.values()) {
      String text = PolicyFiles.write(set, format);
      assertThat(PolicyFiles.parse(text, "dump", format).policies()).isEqualTo(set);
    }
    assertThat(PolicyFiles.write(set, Format.YAML))
        .startsWith("version: 1\ncredentialFailureLimit:\n  capacity: 20\n  refill: 20\n  per: 1m\n")
        .contains("  - method: GET\n    pattern: /search/*\n    policies:\n      - search\n    anonymous: true\n")
        .contains("scopes:\n      - \"llm:invoke\"\n");
  }

  @Test
  void bothDurationFormsAreRead() {
    for (String form : List.of("1s", "1000ms", "PT1S", "pt1s", "PT0.5S", "500ms", "1m", "1h", "1d", "P1D")) {
      String text = "version: 1\nreload: { poll: " + form + " }\n";
      try {
        PolicyFiles.parse(text, "d.yaml", Format.YAML);
      } catch (PolicyFileException e) {
        assertThat(e.getMessage()).contains("must be between 1s and 5m");
      }
    }
    assertThat(Binder.Durations.parse("1000ms")).isEqualTo(Duration.ofSeconds(1));
    assertThat(Binder.Durations.parse("P1D")).isEqualTo(Duration.ofDays(1));
    assertThat(Binder.Durations.parse("1d")).isEqualTo(Duration.ofDays(1));
    assertThat(Binder.Durations.parse("PT0.5S")).isEqualTo(Duration.ofMillis(500));
    assertThat(Binder.Durations.parse("1.5s")).isNull();
    assertThat(Binder.Durations.parse("1 s")).isNull();
    assertThat(Binder.Durations.parse("1S")).isNull();
    assertThat(Binder.Durations.parse("-PT1S")).isNull();
    assertThat(Binder.Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
    assertThat(Binder.Durations.format(Duration.ofNanos(1))).isEqualTo("PT0.000000001S");
  }

  @Test
  void theFormatIsToldByTheFileName(@TempDir Path dir) {
    assertThat(Format.of(Path.of("a.yaml"))).isEqualTo(Format.YAML);
    assertThat(Format.of(Path.of("a.YML"))).isEqualTo(Format.YAML);
    assertThat(Format.of(Path.of("conf/a.json"))).isEqualTo(Format.JSON);
    assertThatThrownBy(() -> PolicyFiles.read(dir.resolve("policies.toml")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "policy file " + dir.resolve("policies.toml")
                + ": the name must end in .yaml, .yml or .json to tell its format");
  }

  @Test
  void aMissingFileIsAnIoError(@TempDir Path dir) {
    assertThatThrownBy(() -> PolicyFiles.read(dir.resolve("absent.yaml")))
        .isInstanceOf(java.io.UncheckedIOException.class)
        .hasMessageContaining("absent.yaml: cannot be read");
  }
}
