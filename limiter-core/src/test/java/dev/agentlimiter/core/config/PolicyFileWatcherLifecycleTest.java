package dev.agentlimiter.core.config;

import static dev.agentlimiter.core.config.WatcherFixture.await;
import static dev.agentlimiter.core.config.WatcherFixture.watcherThreadAlive;
import static dev.agentlimiter.core.config.WatcherFixture.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.core.AgentLimiters;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Starting (and failing to), and closing: the thread, the watch, the public factory's checks. */
@Timeout(30)
class PolicyFileWatcherLifecycleTest {

  private Path dir;

  @BeforeEach
  void setUp(@TempDir Path tmp) {
    dir = tmp;
  }

  private final CapacityReader reader = new CapacityReader();
  private final RecordingTarget target = new RecordingTarget();

  private PolicyFileWatcher.Builder builder(Path file) {
    return PolicyFileWatcher.builder(file, reader, target)
        .poll(Duration.ofMillis(50))
        .debounce(Duration.ofMillis(20));
  }

  @Test
  void aMissingFileAtStartIsAnError() {
    Path file = dir.resolve("absent.txt");
    assertThatThrownBy(() -> builder(file).start())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("policy file " + file.toAbsolutePath() + " is missing");
    assertThat(target.applied()).isEmpty();
    assertThat(target.errors()).as("the caller is told, by the exception").isEmpty();
  }

  @Test
  void anInvalidFileAtStartIsAnErrorWithTheParsersMessage() {
    Path file = dir.resolve("policy.txt");
    write(file, "capacity=");
    assertThatThrownBy(() -> builder(file).start())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(file + ":1:1: /capacity: bad");
    assertThat(target.applied()).isEmpty();
  }

  @Test
  void aFileTheTargetRefusesAtStartIsAnError() {
    Path file = dir.resolve("policy.txt");
    write(file, "capacity=13");
    target.refuse(13);
    assertThatThrownBy(() -> builder(file).start())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("policy 'q' is not defined");
  }

  @Test
  void closeStopsTheThreadAndIsIdempotent() {
    Path file = dir.resolve("policy.txt");
    write(file, "capacity=1");
    PolicyFileWatcher w = builder(file).start();
    assertThat(watcherThreadAlive()).isTrue();
    w.close();
    await("no watcher thread alive", () -> !watcherThreadAlive(), () -> "a thread is alive");
    w.close();
    assertThat(w.toString()).contains("closed");
    write(file, "capacity=2");
    assertThat(target.applied()).containsExactly(1L);
  }

  @Test
  void closeDuringADebounceStopsPromptly() {
    Path file = dir.resolve("policy.txt");
    write(file, "capacity=1");
    PolicyFileWatcher w =
        PolicyFileWatcher.builder(file, reader, target)
            .poll(Duration.ofMillis(20))
            .debounce(Duration.ofMinutes(1))
            .start();
    write(file, "capacity=2");
    long started = System.nanoTime();
    w.close();
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
    await("no watcher thread alive", () -> !watcherThreadAlive(), () -> "a thread is alive");
    assertThat(target.applied()).containsExactly(1L);
  }

  @Test
  void thePublicFactoryRefusesAPollOutOfRange() {
    Path file = dir.resolve("policy.txt");
    write(file, "capacity=1");
    AgentLimiter limiter = AgentLimiters.newBuilder().build();
    assertThatThrownBy(() -> PolicyFileWatcher.start(file, limiter, reader::read, Duration.ofMillis(999)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("policy file watcher: poll must be between 1 s and 5 min but was PT0.999S");
    assertThatThrownBy(() -> PolicyFileWatcher.start(file, limiter, reader::read, Duration.ofMinutes(6)))
        .hasMessage("policy file watcher: poll must be between 1 s and 5 min but was PT6M");
    assertThat(reader.seen()).as("nothing read").isEmpty();
  }

  @Test
  void theBuilderRefusesANonPositiveDebounce() {
    assertThatThrownBy(() -> builder(dir.resolve("x")).debounce(Duration.ZERO))
        .hasMessage("policy file watcher: debounce must be > 0 but was PT0S");
  }
}
