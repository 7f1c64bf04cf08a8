package dev.agentlimiter.core.config;

import static dev.agentlimiter.core.config.WatcherFixture.await;
import static dev.agentlimiter.core.config.WatcherFixture.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.WatchService;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Kubernetes ConfigMap volume's update, as the kubelet makes it: the file is a symlink through {@code
 * ..data}, itself a symlink to a timestamped directory, and an update renames a new {@code ..data} over the
 * old one atomically. The file itself is never written. The poll here is a minute long, so only the watch
 * of the directory can see the update in time.
 */
@Timeout(30)
class PolicyFileWatcherConfigMapTest {

  private Path dir;

  @BeforeEach
  void setUp(@TempDir Path tmp) {
    dir = tmp;
  }

  @Test
  void anAtomicSwapOfDataIsApplied() throws IOException {
    assumeTrue(nativeWatch(), "the platform's WatchService polls (not inotify): too slow for this bound");
    Path a = Files.createDirectory(dir.resolve("..2026_12_04_a"));
    write(a.resolve("policy.yaml"), "capacity=1");
    Path data = Files.createSymbolicLink(dir.resolve("..data"), Path.of("..2026_12_04_a"));
    Path file = Files.createSymbolicLink(dir.resolve("policy.yaml"), Path.of("..data/policy.yaml"));
    CapacityReader reader = new CapacityReader();
    RecordingTarget target = new RecordingTarget();
    try (PolicyFileWatcher w =
        PolicyFileWatcher.builder(file, reader, target)
            .poll(Duration.ofMinutes(1))
            .debounce(Duration.ofMillis(50))
            .start()) {
      assertThat(target.applied()).containsExactly(1L);

      Path b = Files.createDirectory(dir.resolve("..2026_12_04_b"));
      write(b.resolve("policy.yaml"), "capacity=2");
      Path tmp = Files.createSymbolicLink(dir.resolve("..data_tmp"), Path.of("..2026_12_04_b"));
      Files.move(tmp, data, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);

      await("the new version applied", () -> target.applied().size() == 2, target::applied);
      assertThat(target.applied()).containsExactly(1L, 2L);
      assertThat(target.origins()).containsOnly(file.toAbsolutePath().toString());
      assertThat(target.errors()).isEmpty();
      assertThat(w.appliedCount()).isEqualTo(2);
    }
  }

  /** Whether the default file system's watch is the kernel's (Linux's inotify), not the JDK's polling one. */
  private static boolean nativeWatch() throws IOException {
    try (WatchService w = FileSystems.getDefault().newWatchService()) {
      return !w.getClass().getName().contains("Polling");
    }
  }
}
