package dev.agentlimiter.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.agentlimiter.api.Policy;
import dev.agentlimiter.core.config.PolicyFiles.Format;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hostile and careless files: each is refused quickly, with a message that says what is wrong, or read as written. */
class PolicyFileAttackTest {

  private static PolicyFileException refused(String content, Format format) {
    PolicyFileException e =
        catchThrowableOfType(
            PolicyFileException.class, () -> PolicyFiles.parse(content, "attack", format));
    assertThat(e).as("refused: %s", content.length() > 200 ? content.substring(0, 200) : content).isNotNull();
    return e;
  }

  private PolicyFileException refused(Path file) {
    PolicyFileException e = catchThrowableOfType(PolicyFileException.class, () -> PolicyFiles.read(file));
    assertThat(e).as("refused: %s", file).isNotNull();
    return e;
  }

  @Test
  void aTwoMebibyteDocumentIsRefusedBeforeParsing(@TempDir Path dir) throws IOException {
    String big = "version: 1\n# " + "x".repeat(2 << 20) + "\n";
    assertThat(refused(big, Format.YAML).getMessage())
        .isEqualTo(
            "attack:1:1: /: the file has " + big.length()
                + " bytes; a policy file has at most 1048576 (1 MiB)");
    String json = "{\"version\": 1, \"x\": \"" + "x".repeat(2 << 20) + "\"}";
    assertThat(refused(json, Format.JSON).problems().get(0).message()).contains("at most 1048576");

    Path file = dir.resolve("big.yaml");
    Files.writeString(file, big);
    assertThat(refused(file).problems().get(0).message())
        .isEqualTo("the file has more than 1048576 bytes; a policy file has at most 1048576 (1 MiB)");
  }

  @Test
  void nestingOneHundredDeepIsRefusedAtDepth33() {
    String yaml = "version: 1\nx: " + "[".repeat(100) + "]".repeat(100) + "\n";
    PolicyFileProblem p = refused(yaml, Format.YAML).problems().get(0);
    assertThat(p.message()).isEqualTo("nesting deeper than 32 levels is not allowed");
    assertThat(p.line()).isEqualTo(2);
    assertThat(p.column()).isEqualTo(35); // the 33rd level: "x: " and 32 brackets before it
    String json = "{\"version\": 1, \"x\": " + "[".repeat(100) + "]".repeat(100) + "}";
    assertThat(refused(json, Format.JSON).problems().get(0).message())
        .isEqualTo("nesting deeper than 32 levels is not allowed");
    String blocks = "version: 1\nx:\n" + nestedBlock(100);
    assertThat(refused(blocks, Format.YAML).problems().get(0).message())
        .isEqualTo("nesting deeper than 32 levels is not allowed");
  }

  private static String nestedBlock(int depth) {
    StringBuilder sb = new StringBuilder();
    for (int i = 1; i <= depth; i++) {
      sb.append("  ".repeat(i)).append("k").append(i).append(":\n");
    }
    return sb.append("  ".repeat(depth + 1)).append("v\n").toString();
  }

  @Test
  void aBillionLaughsIsRefusedAtTheFirstAnchorWithoutExpanding() {
    StringBuilder bomb = new StringBuilder("version: 1\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    char previous = 'a';
    for (char c = 'b'; c <= 'i'; c++) {
      bomb.append(c).append(": &").append(c).append(" [");
      for (int i = 0; i < 9; i++) {
        bomb.append(i == 0 ? "" : ",").append('*').append(previous);
      }
      bomb.append("]\n");
      previous = c;
    }
    PolicyFileException e =
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> refused(bomb.toString(), Format.YAML));
    assertThat(e.problems()).hasSize(1);
    assertThat(e.getMessage())
        .isEqualTo("attack:2:4: /a: YAML anchors (&a) are not allowed in a policy file; write each value out");
    // an alias without its anchor is refused too
    assertThat(refused("version: 1\npolicies: { a: *nothing }\n", Format.YAML).getMessage())
        .contains("YAML aliases (*nothing) are not allowed");
  }

  @Test
  void duplicateKeysInNestedMapsAreAllReported() {
    String yaml =
        """
        version: 1
        policies:
          search:
            limits:
              - { capacity: 1, refill: 1, per: 1s, per: 2s }
        routes:
          - pattern: /s
            rules: { json: true, json: false }
        """;
    PolicyFileException e = refused(yaml, Format.YAML);
    assertThat(e.problems())
        .extracting(PolicyFileProblem::path)
        .containsExactly("/policies/search/limits/0/per", "/routes/0/rules/json");
    assertThat(e.getMessage())
        .isEqualTo(
            "attack:5:44: /policies/search/limits/0/per: duplicate key 'per'; a key may appear once in a"
                + " mapping (first at line 5)\n"
                + "attack:8:26: /routes/0/rules/json: duplicate key 'json'; a key may appear once in a mapping"
                + " (first at line 8)");
    String json =
        "{\"version\": 1, \"policies\": {\"a\": {\"lane\": \"x\", \"lane\": \"y\", \"limits\": "
            + "[{\"capacity\": 1, \"refill\": 1, \"per\": \"1s\"}]}}, \"version\": 1}";
    assertThat(refused(json, Format.JSON).problems())
        .extracting(PolicyFileProblem::path)
        .containsExactly("/policies/a/lane", "/version");
  }

  @Test
  void noAndOffAreNamesNotBooleans() {
    String yaml =
        """
        version: 1
        policies:
          no:
            lane: off
            limits: [{ name: on, capacity: 1, refill: 1, per: 1s }]
        tiers:
          yes: { no: no-pro }
        routes:
          - { pattern: /n, policies: [no] }
        """;
    String withPro =
        yaml.replace(
            "tiers:", "  no-pro: { lane: off, limits: [{ capacity: 2, refill: 2, per: 1s }] }\ntiers:");
    PolicyFile file = PolicyFiles.parse(withPro, "words.yaml", Format.YAML);
    Policy no = file.policies().policy("no").orElseThrow();
    assertThat(no.lane()).isEqualTo("off");
    assertThat(no.limits().get(0).name()).isEqualTo("on");
    assertThat(file.policies().tierOverrides()).containsEntry("yes", java.util.Map.of("no", "no-pro"));
    assertThat(file.policies().routes().get(0).route().policyNames()).containsExactly("no");
    // where a boolean is expected, the words are refused
    assertThat(refused("version: 1\nmetrics: { enabled: off }\n", Format.YAML).getMessage())
        .endsWith("/metrics/enabled: expected true or false but was the string 'off'");
  }

  @Test
  void aTabIndentedFileIsRefusedAtTheTab() {
    String yaml = "version: 1\npolicies:\n\tsearch:\n\t\tlimits: []\n";
    PolicyFileProblem p = refused(yaml, Format.YAML).problems().get(0);
    assertThat(p.line()).isEqualTo(3);
    assertThat(p.column()).isEqualTo(1);
    assertThat(p.message()).contains("Do not use \\t(TAB) for indentation");
  }

  @Test
  void jsonWithTrailingGarbageIsRefused() {
    assertThat(refused("{\"version\": 1}garbage", Format.JSON).getMessage())
        .startsWith("attack:1:15: /: syntax error: Unrecognized token 'garbage'");
    assertThat(refused("{\"version\": 1}]", Format.JSON).getMessage()).startsWith("attack:1:15: /: syntax error");
    assertThat(refused("{\"version\": 1}\n{\"version\": 1}", Format.JSON).getMessage())
        .isEqualTo("attack:2:1: /: expected the end of the file after the document, but found more");
    assertThat(refused("version: 1\n...\ngarbage\n", Format.YAML).getMessage())
        .isEqualTo("attack:3:1: /: YAML syntax error: expected '<document start>', but found '<scalar>'");
    assertThat(refused("version: 1\n---\n- 1\n", Format.YAML).getMessage())
        .isEqualTo("attack:3:1: /: a policy file holds one YAML document, but another starts here");
  }

  @Test
  void aFileThatIsNotUtf8IsRefusedAtTheFirstBadByte(@TempDir Path dir) throws IOException {
    Path latin1 = dir.resolve("latin1.yaml");
    Files.write(latin1, "version: 1\npolicies:\n  caf\u00e9: {}\n".getBytes(StandardCharsets.ISO_8859_1));
    PolicyFileException e = refused(latin1);
    assertThat(e.getMessage())
        .isEqualTo(
            latin1 + ":3:6: /: the file is not UTF-8: byte 0xe9 at offset 26; save it as UTF-8");
    Path utf16 = dir.resolve("utf16.json");
    Files.write(utf16, "{\"version\": 1}".getBytes(StandardCharsets.UTF_16));
    assertThat(refused(utf16).getMessage()).contains("the file is not UTF-8: byte 0xfe at offset 0");
    Path bom = dir.resolve("bom.yaml");
    Files.write(bom, "\uFEFFversion: 1\n".getBytes(StandardCharsets.UTF_8));
    assertThat(PolicyFiles.read(bom).policies().isEmpty()).isTrue();
  }

  @Test
  void anEmptyFileIsRefused(@TempDir Path dir) throws IOException {
    for (String name : List.of("empty.yaml", "empty.json")) {
      Path file = dir.resolve(name);
      Files.writeString(file, "");
      assertThat(refused(file).getMessage())
          .isEqualTo(
              file + ":1:1: /: the file is empty; a policy file is a mapping that starts with 'version: 1'");
    }
    assertThat(refused("# only a comment\n\n", Format.YAML).problems().get(0).message())
        .startsWith("the file is empty");
    assertThat(refused("   \n", Format.JSON).problems().get(0).message()).startsWith("the file is empty");
    assertThat(refused("---\n", Format.YAML).problems().get(0).message()).startsWith("the file is empty");
  }

  @Test
  void nullValuesAreRefusedEverywhereAndAllAtOnce() {
    String yaml =
        """
        version: ~
        inheritance: null
        policies:
          search: null
        routes: [null]
        identity: { trustedProxies: [null] }
        """;
    PolicyFileException e = refused(yaml, Format.YAML);
    assertThat(e.problems())
        .extracting(p -> p.path() + ": " + p.message())
        .containsExactly(
            "/version: expected an integer but was null",
            "/inheritance: expected a string but was null",
            "/policies/search: expected a mapping but was null",
            "/routes/0: expected a mapping but was null",
            "/identity/trustedProxies/0: expected a string but was null");
    assertThat(String.valueOf(e.getMessage()).lines()).hasSize(5);
    assertThat(refused("{\"version\": 1, \"policies\": null}", Format.JSON).getMessage())
        .isEqualTo("attack:1:28: /policies: expected a mapping but was null");
  }

  @Test
  void everySemanticProblemIsReportedInFileOrder() {
    String yaml =
        """
        version: 1
        policies:
          search:
            lane: "has space"
            limits:
              - { capacity: 0, refill: 1, per: soon }
        routes:
          - { pattern: /s, policies: [serch], anonymous: maybe }
        reload: { poll: 0s }
        """;
    PolicyFileException e = refused(yaml, Format.YAML);
    assertThat(String.valueOf(e.getMessage()).lines())
        .containsExactly(
            "attack:4:11: /policies/search/lane: policy 'search': lane: name may contain only letters, digits,"
                + " '.', '_' and '-' but was 'has space'",
            "attack:6:21: /policies/search/limits/0/capacity: must be > 0 but was 0",
            "attack:6:40: /policies/search/limits/0/per: expected a duration such as 1s, 500ms or PT1M but"
                + " was 'soon'",
            "attack:8:31: /routes/0/policies/0: policy 'serch' is not defined in this file; defined: [search]"
                + " (or define it here, as a mapping with a name)",
            "attack:8:50: /routes/0/anonymous: expected true or false but was the string 'maybe'",
            "attack:9:17: /reload/poll: must be between 1s and 5m but was 0s");
  }

  @Test
  void aRelativeApiKeyFileIsResolvedAgainstTheFilesDirectory(@TempDir Path dir) throws IOException {
    Path conf = Files.createDirectories(dir.resolve("conf"));
    Path file = conf.resolve("limits.yaml");
    Files.writeString(file, "version: 1\nidentity: { apiKeyFile: secrets/keys.txt }\n");
    assertThat(PolicyFiles.read(file).identity().orElseThrow().apiKeyFile())
        .contains(conf.toAbsolutePath().resolve("secrets/keys.txt"));
    assertThat(
            PolicyFiles.parse("version: 1\nidentity: { apiKeyFile: /etc/keys }\n", "inline", Format.YAML)
                .identity().orElseThrow().apiKeyFile())
        .contains(Path.of("/etc/keys"));
    assertThat(
            PolicyFiles.parse("version: 1\nidentity: { apiKeyFile: keys }\n", "inline", Format.YAML)
                .identity().orElseThrow().apiKeyFile())
        .contains(Path.of("keys"));
  }
}
