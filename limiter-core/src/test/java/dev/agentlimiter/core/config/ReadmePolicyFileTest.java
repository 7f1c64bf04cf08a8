package dev.agentlimiter.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.core.AgentLimiters;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's policy-file example: its YAML, read by the builder and then watched, as the README shows it. */
class ReadmePolicyFileTest {

  private static String readme() throws IOException {
    return Files.readString(Path.of("../README.md"), StandardCharsets.UTF_8);
  }

  @Test
  void theReadmesFileRunsAndIsWatched(@TempDir Path dir) throws Exception {
    Matcher yaml = Pattern.compile("## Policy files.*?```yaml\\n(.*?)```", Pattern.DOTALL).matcher(readme());
    assertThat(yaml.find()).isTrue();
    Path file = dir.resolve("policies.yaml");
    Files.writeString(file, yaml.group(1), StandardCharsets.UTF_8);

    // tag::readme[]
    AgentLimiter limiter = AgentLimiters.newBuilder().policyFile(file).build();
    PolicyFileWatcher watcher = PolicyFileWatcher.start(file, limiter);     // hot reload; close at shutdown
    // end::readme[]

    try (watcher) {
      assertThat(limiter.admin().configuration().generation()).isEqualTo(2);
      assertThat(limiter.admin().configuration().effective().policies()).containsKey("search");
      assertThat(limiter.admin().configuration().effective().routes()).hasSize(1);
    }
  }

  @Test
  void theReadmeShowsTheCompiledLines() throws IOException {
    String source =
        Files.readString(
            Path.of("src/test/java/dev/agentlimiter/core/config/ReadmePolicyFileTest.java"), StandardCharsets.UTF_8);
    Matcher m = Pattern.compile("// tag::readme\\[]\\n(.*?)\\n\\s*// end::readme\\[]", Pattern.DOTALL).matcher(source);
    assertThat(m.find()).isTrue();
    assertThat(readme()).contains(m.group(1).stripIndent());
  }
}
