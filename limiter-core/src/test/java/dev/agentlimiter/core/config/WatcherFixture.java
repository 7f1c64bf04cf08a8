package dev.agentlimiter.core.config;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** The watcher tests' helpers: writing real files, and waiting, bounded, for what the watcher does. */
final class WatcherFixture {

  /** How long a test waits for the watcher at most. */
  static final Duration BOUND = Duration.ofSeconds(5);

  private WatcherFixture() {}

  static void write(Path file, String content) {
    try {
      Files.writeString(file, content, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void append(Path file, String content) {
    try {
      Files.writeString(file, content, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until {@code condition} holds, at most {@link #BOUND}; fails with {@code state} otherwise. */
  static void await(String what, BooleanSupplier condition, Supplier<Object> state) {
    long deadline = System.nanoTime() + BOUND.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        fail("within " + BOUND + ": " + what + "; but: " + state.get());
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail("interrupted waiting for: " + what);
      }
    }
  }

  /** Whether a thread of the watcher's name is alive. */
  static boolean watcherThreadAlive() {
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.isAlive() && t.getName().equals(PolicyFileWatcher.THREAD_NAME));
  }
}
