package dev.agentlimiter.core.config;

import static dev.agentlimiter.core.config.WatcherFixture.await;
import static dev.agentlimiter.core.config.WatcherFixture.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AppliedConfiguration;
import dev.agentlimiter.api.LimiterAdmin;
import dev.agentlimiter.api.PolicySet;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The public factory, {@link PolicyFileWatcher#start(Path, AgentLimiter, java.util.function.Function,
 * Duration)}, with its own poll range and the default debounce: it applies through {@code
 * limiter.admin().apply}. The limiter here is not the engine (whose {@code apply} comes with the engine's
 * snapshot change): a stand-in whose admin answers {@code apply} and nothing else.
 */
@Timeout(30)
class PolicyFileWatcherStartTest {

  private Path dir;
  private final List<String> applied = new ArrayList<>(); // guarded by itself
  private final CapacityReader reader = new CapacityReader();

  @BeforeEach
  void setUp(@TempDir Path tmp) {
    dir = tmp;
  }

  private List<String> applied() {
    synchronized (applied) {
      return new ArrayList<>(applied);
    }
  }

  /** A limiter whose admin records each {@code apply} as "capacity@origin", refusing capacity 13. */
  private AgentLimiter limiter() {
    LimiterAdmin admin =
        (LimiterAdmin)
            Proxy.newProxyInstance(
                LimiterAdmin.class.getClassLoader(),
                new Class<?>[] {LimiterAdmin.class},
                (proxy, method, args) -> {
                  if (!method.getName().equals("apply")) {
                    throw new UnsupportedOperationException(method.getName());
                  }
                  PolicySet set = (PolicySet) args[0];
                  long capacity = CapacityReader.capacityOf(set);
                  if (capacity == 13) {
                    throw new IllegalArgumentException("refused: 13");
                  }
                  synchronized (applied) {
                    applied.add(capacity + "@" + args[1]);
                    return new AppliedConfiguration(applied.size() + 1, (String) args[1], Instant.now(), set, set);
                  }
                });
    return (AgentLimiter)
        Proxy.newProxyInstance(
            AgentLimiter.class.getClassLoader(),
            new Class<?>[] {AgentLimiter.class},
            (proxy, method, args) -> {
              if (method.getName().equals("admin")) {
                return admin;
              }
              throw new UnsupportedOperationException(method.getName());
            });
  }

  @Test
  void itAppliesTheFileAndEachNewVersionThroughTheAdminView() {
    Path file = dir.resolve("policy.txt");
    write(file, "capacity=1");
    String origin = file.toAbsolutePath().toString();
    try (PolicyFileWatcher w = PolicyFileWatcher.start(file, limiter(), reader::read, Duration.ofSeconds(1))) {
      assertThat(applied()).containsExactly("1@" + origin);
      write(file, "capacity=13");
      await("refused by the admin", () -> w.refusedCount() == 1, w::toString);
      write(file, "capacity=2");
      await("the new version applied", () -> applied().size() == 2, this::applied);
      assertThat(applied()).containsExactly("1@" + origin, "2@" + origin);
      assertThat(w.origin()).isEqualTo(origin);
    }
  }

  @Test
  void aFileTheLimiterRefusesAtStartIsAnErrorWithItsMessage() {
    Path file = dir.resolve("policy.txt");
    write(file, "capacity=13");
    assertThatThrownBy(() -> PolicyFileWatcher.start(file, limiter(), reader::read, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("refused: 13");
  }

  @Test
  void anInvalidFileLaterIsNotReportedToALimiterThatIsNotTheEngine() {
    Path file = dir.resolve("policy.txt");
    write(file, "capacity=1");
    try (PolicyFileWatcher w = PolicyFileWatcher.start(file, limiter(), reader::read, Duration.ofSeconds(1))) {
      write(file, "capacity=x");
      await("the invalid version refused", () -> w.refusedCount() == 1, w::toString);
      assertThat(applied()).hasSize(1); // and nothing was called on it but apply: the proxy would throw
    }
  }
}
