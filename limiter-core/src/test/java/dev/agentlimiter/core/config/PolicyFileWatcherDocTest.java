package dev.agentlimiter.core.config;

import static dev.agentlimiter.core.config.WatcherFixture.await;
import static dev.agentlimiter.core.config.WatcherFixture.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.PolicySet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/reload.md: its Java is compiled here (and must be in the doc verbatim), and the log lines it shows
 * are the lines the watcher writes, made here on a real file (its temporary path replaced by the doc's).
 */
@Timeout(30)
class PolicyFileWatcherDocTest {

  private static final Path DOC = Path.of("../docs/reload.md");
  private static final Path SOURCE =
      Path.of("src/test/java/dev/agentlimiter/core/config/PolicyFileWatcherDocTest.java");
  private static final String DOC_PATH = "/etc/agentlimiter/policy.yaml";

  private Path dir;

  @BeforeEach
  void setUp(@TempDir Path tmp) {
    dir = tmp;
  }

  /** The doc's example; compiled, not run: in this module the engine's {@code apply} comes later. */
  @SuppressWarnings("unused")
  private static void example(AgentLimiter limiter, Function<Path, PolicySet> reader) {
    // tag::start[]
    PolicyFileWatcher watcher = PolicyFileWatcher.start(
        Path.of("/etc/agentlimiter/policy.yaml"),     // its directory is watched, and the file polled
        limiter,                                      // the limiter AgentLimiters built
        reader,                                       // the policy-file parser: path -> PolicySet
        PolicyFileWatcher.DEFAULT_POLL);              // 2 s; 1 s to 5 min
    // ...
    watcher.close();                                  // at shutdown
    // end::start[]
  }

  @Test
  void theDocShowsTheCompiledExample() throws IOException {
    String source = Files.readString(SOURCE, StandardCharsets.UTF_8);
    Matcher m =
        Pattern.compile("// tag::start\\[]\\n(.*?)\\n\\s*// end::start\\[]", Pattern.DOTALL).matcher(source);
    assertThat(m.find()).isTrue();
    assertThat(doc()).contains(m.group(1).stripIndent());
  }

  @Test
  void theDocShowsTheLinesTheWatcherLogs() throws IOException {
    Path file = dir.resolve("policy.yaml");
    write(file, "capacity=1");
    RecordingTarget target = new RecordingTarget().refuse(13);
    List<String> lines = new ArrayList<>();
    try (CapturedLog log = CapturedLog.attach();
        PolicyFileWatcher w =
            PolicyFileWatcher.builder(file, new CapacityReader(), target)
                .poll(Duration.ofMillis(20))
                .debounce(Duration.ofMillis(20))
                .start()) {
      awaitLines(log, 1); // the start's
      write(file, "capacity=2");
      awaitLines(log, 2);
      write(file, "capacity=two");
      awaitLines(log, 3);
      write(file, "capacity=13");
      awaitLines(log, 4);
      Files.delete(file);
      awaitLines(log, 5);
      write(file, "capacity=13");
      awaitLines(log, 6);
      assertThat(w.refusedCount()).isEqualTo(3);
      for (String message : log.messages()) {
        lines.add(message.replace(file.toAbsolutePath().toString(), DOC_PATH).replace(file.toString(), DOC_PATH));
      }
    }
    assertThat(lines).hasSize(6);
    Files.createDirectories(Path.of("target"));
    Files.writeString(Path.of("target/reload-log-lines.txt"), String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    String doc = doc();
    for (String line : lines) {
      assertThat(doc).as("docs/reload.md shows this log line").contains(line);
    }
  }

  private static void awaitLines(CapturedLog log, int n) {
    await(n + " lines logged", () -> log.messages().size() >= n, log::messages);
  }

  private static String doc() throws IOException {
    return Files.readString(DOC, StandardCharsets.UTF_8);
  }
}
