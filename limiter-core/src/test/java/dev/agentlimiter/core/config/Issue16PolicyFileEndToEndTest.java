package dev.agentlimiter.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.ApiKeyHash;
import dev.agentlimiter.api.ConfigurationEvent;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.LimiterListener;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.AgentLimiters;
import dev.agentlimiter.core.FakeTimeSource;
import dev.agentlimiter.core.GenerationLoad;
import dev.agentlimiter.core.HttpRequestStub;
import dev.agentlimiter.core.internal.engine.Limiter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Policy files with the real parser, the real engine and the real watcher: the builder reads a file (and
 * its identity section), and a file rewritten under load, valid and invalid alternately, some versions by a
 * Kubernetes ConfigMap-style symlink swap, is applied version by version while no decision fails.
 */
class Issue16PolicyFileEndToEndTest {

  private static final String KEY = "ak_live_end_to_end_0123456789";

  private Path dir = Path.of(".");

  @org.junit.jupiter.api.BeforeEach
  void setUp(@TempDir Path tmp) {
    dir = tmp;
  }

  private static void write(Path file, String text) throws Exception {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, text, StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  @Test
  void theBuilderAppliesTheFileAndItsIdentitySection() throws Exception {
    Files.writeString(dir.resolve("keys.txt"), ApiKeyHash.of(KEY).hex() + " agent-7 tier=pro\n");
    Path file = dir.resolve("policies.yaml");
    write(
        file,
        """
        version: 1
        policies:
          api:
            limits: [{ name: minute, capacity: 2, refill: 2, per: 1m }]
          api-pro:
            limits: [{ name: minute, capacity: 3, refill: 3, per: 1m }]
        tiers:
          pro: { api: api-pro }
        identity:
          apiKeyFile: keys.txt
          trustedProxies: ["10.0.0.0/8"]
        """);
    AgentLimiter limiter = AgentLimiters.newBuilder().timeSource(new FakeTimeSource()).policyFile(file).build();
    assertThat(limiter.admin().configuration().generation()).isEqualTo(2);
    assertThat(limiter.admin().configuration().origin()).isEqualTo(file.toAbsolutePath().toString());

    Route route = Route.builder().policy("api").build();
    ((Limiter) limiter).register(List.of(route));
    List<Reason> reasons = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Decision d =
          limiter.admit(HttpRequestStub.get("/x").header("Authorization", "Bearer " + KEY).build(), route)
              .decision();
      reasons.add(d.reason());
    }
    // the key file identifies agent-7, tier pro: api-pro's 3 a minute
    assertThat(reasons).containsExactly(Reason.ALLOWED, Reason.ALLOWED, Reason.ALLOWED, Reason.RATE_LIMITED);
    // the trusted proxy's X-Forwarded-For keys anonymous callers
    Decision anonymous =
        limiter.admit(
                HttpRequestStub.get("/x").peer("10.1.2.3").header("X-Forwarded-For", "203.0.113.9").build(),
                Route.builder().policy("api").allowAnonymous().build())
            .decision();
    assertThat(anonymous.isAllowed()).isTrue();
    assertThat(limiter.admin().inspect(AgentIdentity.of("ip:203.0.113.9", IdentitySource.IP),
            Policy.named("api").limit(dev.agentlimiter.api.Limit.capacity(2).refill(2)
                .per(Duration.ofMinutes(1)).named("minute")).build())
        .get(0).remaining()).isEqualTo(1);
  }

  @Test
  void anInvalidFileFailsTheBuilderNamingFileLineColumnAndField() throws Exception {
    Path file = dir.resolve("policies.yaml");
    write(file, "version: 1\npolicies:\n  api:\n    limits: [{ capacity: 0, refill: 1, per: 1s }]\n");
    assertThatThrownBy(() -> AgentLimiters.newBuilder().policyFile(file))
        .isInstanceOf(PolicyFileException.class)
        .hasMessageContaining("policies.yaml:4:")
        .hasMessageContaining("/policies/api/limits/0/capacity");
  }

  @Test
  void trustedProxiesInCodeAndInTheFileAreRefused() throws Exception {
    Path file = dir.resolve("policies.json");
    write(file, "{\"version\": 1, \"identity\": {\"trustedProxies\": [\"10.0.0.0/8\"]}}");
    assertThatThrownBy(
            () -> AgentLimiters.newBuilder().trustedProxies("192.168.0.0/16").policyFile(file).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("trustedProxies are set both in code and in the policy file");
  }

  private static String version(int generation, boolean valid) {
    if (!valid) {
      return "version: 1\npolicies:\n  changing:\n    limits: [{ name: a, capacity: -" + generation
          + ", refill: 1, per: 1h }]\n";
    }
    return """
        version: 1
        policies:
          steady:
            limits: [{ name: s, capacity: 1000000, refill: 1, per: 1s }]
          changing:
            limits:
              - { name: a, capacity: %d, refill: 1, per: 1h }
              - { name: b, capacity: %d, refill: 1, per: 1h }
        """.formatted(1_000 + generation, 2_000 + generation);
  }

  /**
   * 8 threads decide for 1,000 agents while the file is rewritten 100 times, valid and invalid alternately,
   * every fourth valid version by swapping a ConfigMap's {@code ..data} symlink: each version is applied or
   * refused in turn, no decision fails or throws, no decision mixes two generations (the changing policy's
   * two limits always differ by 1,000), and the unchanged policy's agents keep their exact tokens.
   */
  @Test
  @Timeout(120)
  void aFileRewrittenUnderLoadIsAppliedVersionByVersion() throws Exception {
    // the ConfigMap layout: policies.yaml -> ..data/policies.yaml, ..data -> ..v0
    Path v0 = Files.createDirectory(dir.resolve("..v0"));
    Files.writeString(v0.resolve("policies.yaml"), version(0, true));
    Files.createSymbolicLink(dir.resolve("..data"), v0.getFileName());
    Path file = dir.resolve("policies.yaml");
    Files.createSymbolicLink(file, Path.of("..data", "policies.yaml"));

    List<ConfigurationEvent> events = new CopyOnWriteArrayList<>();
    AgentLimiter limiter =
        AgentLimiters.newBuilder()
            .timeSource(new FakeTimeSource())
            .identity(dev.agentlimiter.core.identity.IdentityResolvers.principal())
            .listener(
                new LimiterListener() {
                  @Override
                  public void onConfiguration(ConfigurationEvent event) {
                    events.add(event);
                  }
                })
            .policyFile(file)
            .build();
    Route route = Route.builder().policy("changing").policy("steady").build();
    ((Limiter) limiter).register(List.of(route));
    PolicyFileWatcher watcher =
        PolicyFileWatcher.builder(file, p -> PolicyFiles.read(p).policies(), PolicyFileWatcher.targetOf(limiter))
            .poll(Duration.ofMillis(50))
            .debounce(Duration.ofMillis(20))
            .start();

    GenerationLoad load = GenerationLoad.start(limiter, route, 8, 1_000);
    try (watcher) {
      for (int g = 1; g <= 100; g++) {
        boolean valid = g % 2 == 1;
        long handledBefore = watcher.appliedCount() + watcher.refusedCount();
        if (valid && g % 4 == 1) {
          Path next = Files.createDirectory(dir.resolve("..v" + g));
          Files.writeString(next.resolve("policies.yaml"), version(g, true));
          Path tmp = dir.resolve("..data_tmp");
          Files.createSymbolicLink(tmp, next.getFileName());
          Files.move(tmp, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } else {
          write(dir.resolve("..data").toRealPath().resolve("policies.yaml"), version(g, valid));
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (watcher.appliedCount() + watcher.refusedCount() == handledBefore) {
          assertThat(System.nanoTime() - deadline).as("version %d was handled", g).isNegative();
          Thread.sleep(5);
        }
      }
    } finally {
      load.close();
    }

    assertThat(load.failures).isEmpty();
    assertThat(load.mixed).isEmpty();
    assertThat(watcher.refusedCount()).isEqualTo(50);
    // the builder's file is generation 2; each of the 50 valid versions one more
    assertThat(limiter.admin().configuration().generation()).isEqualTo(52);
    assertThat(limiter.admin().configuration().effective().policy("changing").orElseThrow().limits().get(0)
        .capacity()).isEqualTo(1_099);
    assertThat(events.stream().filter(e -> !e.applied()).count()).isEqualTo(50);
    assertThat(events.stream().filter(e -> !e.applied()).map(e -> e.error().orElse("")))
        .allSatisfy(error -> assertThat(error).contains("policies.yaml:").contains("/policies/changing/limits/0/capacity"));
    Policy steady =
        limiter.admin().configuration().effective().policy("steady").orElseThrow();
    for (int agent = 0; agent < 1_000; agent++) {
      long left =
          limiter.admin().inspect(AgentIdentity.of("agent-" + agent, IdentitySource.PRINCIPAL), steady)
              .get(0).remaining();
      assertThat(left).as("agent-%d", agent).isEqualTo(1_000_000 - load.admitted.get(agent));
    }
  }
}
