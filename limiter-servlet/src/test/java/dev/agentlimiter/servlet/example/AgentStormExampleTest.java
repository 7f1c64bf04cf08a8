package dev.agentlimiter.servlet.example;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The README's run command tells the story it claims, over real HTTP. */
class AgentStormExampleTest {

  @Test
  void theStormEndsAsTheReadmeSays() throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    Map<String, Map<String, Integer>> tally =
        AgentStormExample.run(new PrintStream(printed, true, StandardCharsets.UTF_8));
    // the polite agent is never refused
    assertThat(tally.get("polite-agent")).containsExactly(Map.entry("200 OK", 12));
    // the runaway agent: at most 3 of 50 identical retries get through, the rest are stopped as a loop or
    // by the penalty box, and its next, different order is refused by the penalty box
    Map<String, Integer> runaway = tally.get("runaway-agent");
    assertThat(runaway.getOrDefault("200 OK", 0)).isBetween(1, 3);
    assertThat(runaway.keySet()).isSubsetOf("200 OK", "429 LOOP_DETECTED", "429 QUARANTINED");
    assertThat(runaway.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(51);
    assertThat(runaway.getOrDefault("429 QUARANTINED", 0)).isPositive();
    // guessing keys: 20 failures, then the address is refused without checking
    assertThat(tally.get("credential-stuffer"))
        .containsExactly(Map.entry("401 UNAUTHENTICATED", 20), Map.entry("429 RATE_LIMITED", 5));
    assertThat(printed.toString(StandardCharsets.UTF_8))
        .contains("RateLimit-Policy: \"burst\";q=20;w=1")
        .contains("the application served " + (12 + runaway.get("200 OK")) + " orders");
  }

  /** The README's servlet section shows the example's own code, so it compiles and runs as shown. */
  @Test
  void theReadmeShowsTheExamplesCode() throws IOException {
    String source =
        Files.readString(
            Path.of("src/test/java/dev/agentlimiter/servlet/example/AgentStormExample.java"), StandardCharsets.UTF_8);
    String readme = Files.readString(Path.of("../README.md"), StandardCharsets.UTF_8);
    for (String tag : new String[] {"limiter", "filter"}) {
      Matcher m =
          Pattern.compile("// tag::" + tag + "\\[]\\n(.*?)\\n\\s*// end::" + tag + "\\[]", Pattern.DOTALL)
              .matcher(source);
      assertThat(m.find()).as("region %s", tag).isTrue();
      String region = m.group(1).stripIndent();
      assertThat(readme.contains(region)).as("README.md shows verbatim:%n%s", region).isTrue();
    }
  }
}
