package dev.agentlimiter.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.agentlimiter.core.config.PolicyFiles.Format;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * docs/policy-files.md cannot drift: every ```yaml and ```json example in it is accepted by both the
 * published JSON Schema and the parser, or, when its first line is {@code # invalid}, refused by both; a
 * ```text block right after an invalid example is the parser's exact message for it (as {@code
 * policies.yaml}); the schema in the jar and the one in docs/ are the same bytes; and the typical example
 * is the test resource that {@link PolicyFileFormatsTest} checks against code. The README's example is a
 * valid file too.
 */
class PolicyFileDocsTest {

  private static final Path DOC = Path.of("../docs/policy-files.md");
  private static final Path README = Path.of("../README.md");
  private static final Path DOC_SCHEMA = Path.of("../docs/policy-file.schema.json");
  private static final Pattern BLOCK =
      Pattern.compile("```(yaml|json)\\n(.*?)```(?:\\s*\\n```text\\n(.*?)```)?", Pattern.DOTALL);

  /** One example of the doc. */
  record Example(int index, Format format, String text, boolean invalid, String expectedMessage) {
    @Override
    public String toString() {
      return "example " + index + " (" + format + (invalid ? ", invalid" : "") + ")";
    }
  }

  static List<Example> examples() throws IOException {
    return examples(Files.readString(DOC));
  }

  static List<Example> examples(String doc) {
    Matcher m = BLOCK.matcher(doc);
    List<Example> out = new ArrayList<>();
    while (m.find()) {
      Format format = m.group(1).equals("yaml") ? Format.YAML : Format.JSON;
      String text = m.group(2);
      boolean invalid = text.startsWith("# invalid\n");
      if (invalid && format == Format.JSON) {
        text = text.substring("# invalid\n".length());
      }
      String message = m.group(3) == null ? "" : m.group(3).strip();
      out.add(new Example(out.size() + 1, format, text, invalid, message));
    }
    return out;
  }

  static Stream<Example> exampleStream() throws IOException {
    return examples().stream();
  }

  private static Schema schema() throws IOException {
    try (InputStream in =
        Objects.requireNonNull(
            PolicyFiles.class.getResourceAsStream(PolicyFiles.SCHEMA_RESOURCE), "schema resource")) {
      return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
          .getSchema(new String(in.readAllBytes(), StandardCharsets.UTF_8), InputFormat.JSON);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("exampleStream")
  void schemaAndParserAgree(Example example) throws IOException {
    List<Error> schemaErrors =
        schema().validate(example.text(), example.format() == Format.YAML ? InputFormat.YAML : InputFormat.JSON);
    PolicyFileException parserError =
        catchThrowableOfType(
            PolicyFileException.class,
            () -> PolicyFiles.parse(example.text(), "policies.yaml", example.format()));
    if (example.invalid()) {
      assertThat(schemaErrors).as("the schema refuses:\n%s", example.text()).isNotEmpty();
      assertThat(parserError).as("the parser refuses:\n%s", example.text()).isNotNull();
      if (!example.expectedMessage().isEmpty()) {
        assertThat(parserError.getMessage()).isEqualTo(example.expectedMessage());
      }
    } else {
      assertThat(schemaErrors).as("the schema accepts:\n%s", example.text()).isEmpty();
      assertThat(parserError).as("the parser accepts:\n%s", example.text()).isNull();
    }
  }

  @Test
  void theDocHasExamplesOfBothKindsAndBothFormats() throws IOException {
    List<Example> examples = examples();
    assertThat(examples).hasSizeGreaterThanOrEqualTo(10);
    assertThat(examples).anyMatch(Example::invalid).anyMatch(e -> !e.invalid());
    assertThat(examples).anyMatch(e -> e.format() == Format.JSON).anyMatch(e -> e.format() == Format.YAML);
    assertThat(examples).anyMatch(e -> !e.expectedMessage().isEmpty());
  }

  @Test
  void theReadmeExampleIsAValidFile() throws IOException {
    List<Example> readme = examples(Files.readString(README));
    assertThat(readme).hasSize(1);
    Example example = readme.get(0);
    assertThat(schema().validate(example.text(), InputFormat.YAML)).isEmpty();
    PolicyFile file = PolicyFiles.parse(example.text(), "README.md", Format.YAML);
    assertThat(file.policies().policy("search")).isPresent();
  }

  @Test
  void theTypicalExampleIsTheTestedOne() throws IOException {
    String typical = PolicyFileFormatsTest.resource("typical.yaml");
    assertThat(examples()).extracting(Example::text).contains(typical);
  }

  @Test
  void thePublishedSchemaIsTheOneInTheJar() throws IOException {
    byte[] jar;
    try (InputStream in =
        Objects.requireNonNull(PolicyFiles.class.getResourceAsStream(PolicyFiles.SCHEMA_RESOURCE))) {
      jar = in.readAllBytes();
    }
    assertThat(Files.readAllBytes(DOC_SCHEMA)).isEqualTo(jar);
  }

  @Test
  void theSchemaAcceptsWhatTheWriterWrites() throws IOException {
    for (Format format : Format.values()) {
      String text = PolicyFiles.write(PolicyFileFormatsTest.typicalInCode(), format);
      assertThat(schema().validate(text, format == Format.YAML ? InputFormat.YAML : InputFormat.JSON))
          .as(text)
          .isEmpty();
    }
  }
}
