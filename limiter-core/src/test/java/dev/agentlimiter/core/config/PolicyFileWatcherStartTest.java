package dev.agentlimiter.core.config;

import static dev.agentlimiter.core.config.WatcherFixture.await;
import static dev.agentlimiter.core.config.WatcherFixture.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.ConfigurationEvent;
import dev.agentlimiter.api.LimiterListener;
import dev.agentlimiter.core.AgentLimiters;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The public factories, {@link PolicyFileWatcher#start(Path, AgentLimiter)} and {@link
 * PolicyFileWatcher#start(Path, AgentLimiter, java.util.function.Function, Duration)}, on a real limiter
 * with the real parser: each valid new version is applied through {@code limiter.admin().apply}, one the
 * engine refuses or the parser refuses keeps the running one, and the limiter's listener hears each.
 */
@Timeout(30)
class PolicyFileWatcherStartTest {

  private Path dir = Path.of(".");
  private final List<ConfigurationEvent> events = new CopyOnWriteArrayList<>();

  @BeforeEach
  void setUp(@TempDir Path tmp) {
    dir = tmp;
  }

  private AgentLimiter limiter() {
    return AgentLimiters.newBuilder()
        .listener(
            new LimiterListener() {
              @Override
              public void onConfiguration(ConfigurationEvent event) {
                events.add(event);
              }
            })
        .build();
  }

  private static String file(long capacity) {
    return "version: 1\nreload: { poll: 1s }\npolicies:\n  api:\n    limits: [{ name: l, capacity: " + capacity
        + ", refill: 1, per: 1h }]\n";
  }

  /** Valid for the parser, refused by the engine: a tier override of a policy nobody defines. */
  private static final String ENGINE_REFUSES =
      """
      version: 1
      policies:
        api-pro:
          limits: [{ name: l, capacity: 3, refill: 1, per: 1h }]
      tiers:
        pro: { missing: api-pro }
      """;

  private static long capacity(AgentLimiter limiter) {
    return limiter.admin().configuration().effective().policy("api").orElseThrow().limits().get(0).capacity();
  }

  @Test
  void itAppliesTheFileAndEachNewVersionThroughTheAdminView() {
    Path file = dir.resolve("policies.yaml");
    write(file, file(1));
    String origin = file.toAbsolutePath().toString();
    AgentLimiter limiter = limiter();
    try (PolicyFileWatcher w = PolicyFileWatcher.start(file, limiter)) {
      assertThat(limiter.admin().configuration().origin()).isEqualTo(origin);
      assertThat(capacity(limiter)).isEqualTo(1);
      write(file, ENGINE_REFUSES);
      await("refused by the engine", () -> w.refusedCount() == 1, w::toString);
      assertThat(capacity(limiter)).isEqualTo(1);
      write(file, file(2));
      await("the new version applied", () -> capacity(limiter) == 2, limiter.admin()::configuration);
      assertThat(limiter.admin().configuration().generation()).isEqualTo(3);
      assertThat(w.origin()).isEqualTo(origin);
    }
    assertThat(events).extracting(ConfigurationEvent::applied).containsExactly(true, false, true);
    assertThat(events.get(1).error()).hasValueSatisfying(e -> assertThat(e).contains("'missing'"));
  }

  @Test
  void aFileTheLimiterRefusesAtStartIsAnErrorWithItsMessage() {
    Path file = dir.resolve("policies.yaml");
    write(file, ENGINE_REFUSES);
    AgentLimiter limiter = limiter();
    assertThatThrownBy(() -> PolicyFileWatcher.start(file, limiter))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tierOverride 'pro': policy 'missing'");
    assertThat(limiter.admin().configuration().generation()).isEqualTo(1);
  }

  @Test
  void anInvalidFileLaterIsToldToTheLimitersListenerWithFileLineAndColumn() {
    Path file = dir.resolve("policies.yaml");
    write(file, file(1));
    AgentLimiter limiter = limiter();
    try (PolicyFileWatcher w =
        PolicyFileWatcher.start(file, limiter, p -> PolicyFiles.read(p).policies(), Duration.ofSeconds(1))) {
      write(file, file(0));
      await("the invalid version refused", () -> w.refusedCount() == 1, w::toString);
      assertThat(capacity(limiter)).isEqualTo(1);
    }
    ConfigurationEvent refused = events.get(events.size() - 1);
    assertThat(refused.applied()).isFalse();
    assertThat(refused.generation()).isEqualTo(2);
    assertThat(refused.error())
        .hasValueSatisfying(e -> assertThat(e).contains("policies.yaml:5:").contains("/policies/api/limits/0/capacity"));
  }

  @Test
  void aLimiterBuiltWithTheSameFileIsNotReplacedAgainByTheWatchersStart() {
    Path file = dir.resolve("policies.yaml");
    write(file, file(4));
    AgentLimiter limiter = AgentLimiters.newBuilder().policyFile(file).build();
    try (PolicyFileWatcher w = PolicyFileWatcher.start(file, limiter)) {
      assertThat(limiter.admin().configuration().generation()).isEqualTo(2);
      assertThat(w.origin()).isEqualTo(limiter.admin().configuration().origin());
    }
  }
}
