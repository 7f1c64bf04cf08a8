package dev.agentlimiter.core.config;

import static dev.agentlimiter.core.config.WatcherFixture.append;
import static dev.agentlimiter.core.config.WatcherFixture.await;
import static dev.agentlimiter.core.config.WatcherFixture.write;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watcher on a real file in a real directory: what it applies, refuses and logs as the file is
 * rewritten, made invalid, deleted and re-created. Short polls and debounces; every wait bounded.
 */
@Timeout(30)
class PolicyFileWatcherTest {

  private Path dir;
  private Path file;
  private final CapacityReader reader = new CapacityReader();
  private final RecordingTarget target = new RecordingTarget();
  private CapturedLog log;
  private final List<PolicyFileWatcher> started = new ArrayList<>();

  @BeforeEach
  void setUp(@TempDir Path tmp) {
    dir = tmp;
    file = dir.resolve("policy.txt");
    write(file, "capacity=1");
    log = CapturedLog.attach();
  }

  @AfterEach
  void tearDown() {
    started.forEach(PolicyFileWatcher::close);
    log.close();
  }

  private PolicyFileWatcher start() {
    return watch(
        PolicyFileWatcher.builder(file, reader, target)
            .poll(Duration.ofMillis(50))
            .debounce(Duration.ofMillis(50))
            .start());
  }

  private PolicyFileWatcher watch(PolicyFileWatcher w) {
    started.add(w);
    return w;
  }

  @Test
  void theFirstVersionIsAppliedOnTheCallersThreadWithThePathAsOrigin() {
    PolicyFileWatcher w = start();
    assertThat(target.applied()).containsExactly(1L);
    assertThat(target.origins()).containsExactly(file.toAbsolutePath().toString());
    assertThat(w.origin()).isEqualTo(file.toAbsolutePath().toString());
    assertThat(w.appliedCount()).isEqualTo(1);
  }

  @Test
  void aRewriteIsApplied() {
    start();
    write(file, "capacity=2");
    await("capacity 2 applied", () -> target.applied().equals(List.of(1L, 2L)), target::applied);
    assertThat(target.errors()).isEmpty();
    assertThat(log.errors()).isEmpty();
  }

  @Test
  void theSameContentRewrittenIsNotAppliedAgain() {
    PolicyFileWatcher w = start();
    write(file, "capacity=2");
    await("capacity 2 applied", () -> target.applied().size() == 2, target::applied);
    write(file, "capacity=2"); // a new modification time, the same content
    write(file, "capacity=1"); // the content applied first: new again since 2
    await("capacity 1 applied again", () -> target.applied().size() == 3, target::applied);
    write(file, "capacity=1");
    write(file, "capacity=3");
    await("capacity 3 applied", () -> target.applied().contains(3L), target::applied);
    assertThat(target.applied()).containsExactly(1L, 2L, 1L, 3L);
    assertThat(w.appliedCount()).isEqualTo(4);
  }

  @Test
  void anInvalidVersionIsRefusedAndLoggedOnceAndTheLastGoodStays() {
    PolicyFileWatcher w = start();
    write(file, "capacity=two");
    await("the invalid version refused", () -> target.errors().size() == 1, target::errors);
    write(file, "capacity=two"); // the same content again: nothing new to say
    write(file, "capacity=three"); // a new invalid content: said once more
    await("the second invalid version refused", () -> target.errors().size() == 2, target::errors);
    assertThat(target.errors()).containsExactly(file + ":1:1: /capacity: bad", file + ":1:1: /capacity: bad");
    assertThat(log.errors()).hasSize(2);
    assertThat(log.errors().get(0))
        .contains("policy file " + file.toAbsolutePath() + " is invalid; the running configuration is kept")
        .contains(file + ":1:1: /capacity: bad");
    assertThat(target.applied()).containsExactly(1L);
    assertThat(w.refusedCount()).isEqualTo(2);

    write(file, "capacity=4");
    await("the fixed version applied", () -> target.applied().size() == 2, target::applied);
    assertThat(target.applied()).containsExactly(1L, 4L);
  }

  @Test
  void aDeletedFileKeepsTheLastGoodOnceAndARecreatedOneIsApplied() throws IOException {
    start();
    Files.delete(file);
    await("the missing file reported", () -> target.errors().size() == 1, target::errors);
    assertThat(target.errors().get(0)).isEqualTo("policy file " + file.toAbsolutePath() + " is missing");
    write(file, "capacity=5");
    await("the re-created file applied", () -> target.applied().size() == 2, target::applied);
    assertThat(target.applied()).containsExactly(1L, 5L);
    assertThat(target.errors()).hasSize(1); // one episode, however many polls saw it missing
    assertThat(log.errors()).hasSize(1);
    assertThat(log.errors().get(0)).contains("is missing; the running configuration is kept");
  }

  @Test
  void aFileDeletedAndRecreatedUnchangedIsNotAppliedAgain() throws IOException {
    start();
    Files.delete(file);
    await("the missing file reported", () -> target.errors().size() == 1, target::errors);
    write(file, "capacity=1");
    await("the file seen back", () -> log.messages().stream().anyMatch(m -> m.contains("is back, unchanged")),
        log::messages);
    write(file, "capacity=6");
    await("the next version applied", () -> target.applied().size() == 2, target::applied);
    assertThat(target.applied()).containsExactly(1L, 6L);
  }

  @Test
  void aVersionTheLimiterRefusesIsLoggedOnceAndNotReportedAgain() {
    target.refuse(13);
    PolicyFileWatcher w = start();
    write(file, "capacity=13");
    await("the refusal logged", () -> log.errors().size() == 1, log::errors);
    assertThat(log.errors().get(0))
        .contains("was refused by the limiter; the running configuration is kept")
        .contains("policy 'q' is not defined");
    assertThat(target.errors()).as("the limiter reports its own refusals").isEmpty();
    write(file, "capacity=7");
    await("the next version applied", () -> target.applied().size() == 2, target::applied);
    assertThat(target.applied()).containsExactly(1L, 7L);
    assertThat(log.errors()).hasSize(1);
    assertThat(w.refusedCount()).isEqualTo(1);
  }

  @Test
  void aHalfWrittenFileIsNeverParsed() throws InterruptedException {
    watch(
        PolicyFileWatcher.builder(file, reader, target)
            .poll(Duration.ofMillis(20))
            .debounce(Duration.ofMillis(500))
            .start());
    write(file, "capacity=");
    Thread.sleep(100); // well within the debounce: the writer is still writing
    append(file, "8");
    await("the whole file applied", () -> target.applied().size() == 2, target::applied);
    assertThat(reader.seen()).containsExactly("capacity=1", "capacity=8");
    assertThat(target.errors()).isEmpty();
  }

  @Test
  void aBurstOfWritesEndsWithTheLastApplied() {
    start();
    for (int i = 100; i <= 150; i++) {
      write(file, "capacity=" + i);
    }
    await("the last version applied", () -> target.applied().contains(150L), target::applied);
    assertThat(target.applied()).hasSizeLessThan(52).last().isEqualTo(150L);
  }

  @Test
  void whatTheReaderOrTheTargetThrowsDoesNotStopTheWatcher() {
    target.failRefused();
    start();
    write(file, "boom");
    await("the reader's bug logged", () -> !log.errors().isEmpty(), log::errors);
    assertThat(log.errors().get(0)).contains("could not be read; the running configuration is kept");
    write(file, "capacity=x"); // refused() throws this time
    await("the refusal reported", () -> target.errors().size() == 2, target::errors);
    write(file, "capacity=9");
    await("the watcher still applies", () -> target.applied().size() == 2, target::applied);
    assertThat(target.applied()).containsExactly(1L, 9L);
    assertThat(target.errors().get(0)).contains("NullPointerException: a reader's bug");
  }

  @Test
  void thePollAloneSeesAChangeInAnotherDirectory() throws IOException {
    // a symlink into a directory that is not watched: only the poll reads through it
    Path elsewhere = Files.createDirectory(dir.resolve("elsewhere"));
    Path real = elsewhere.resolve("policy.txt");
    write(real, "capacity=1");
    Path watched = Files.createDirectory(dir.resolve("watched"));
    Path link = Files.createSymbolicLink(watched.resolve("policy.txt"), real);
    watch(
        PolicyFileWatcher.builder(link, reader, target)
            .poll(Duration.ofMillis(50))
            .debounce(Duration.ofMillis(20))
            .start());
    write(real, "capacity=10");
    await("the change applied", () -> target.applied().size() == 2, target::applied);
    assertThat(target.origins()).containsOnly(link.toAbsolutePath().toString());
  }
}
