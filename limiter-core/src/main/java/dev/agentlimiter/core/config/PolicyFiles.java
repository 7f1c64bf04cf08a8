package dev.agentlimiter.core.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.agentlimiter.api.PolicySet;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Reads and writes policy files: one YAML or JSON document configuring a {@link PolicySet} and the
 * limiter's identity, audit, metrics and reload settings. The format is described in {@code
 * docs/policy-files.md} and published as a JSON Schema (draft 2020-12) at {@link #SCHEMA_RESOURCE} in this
 * jar.
 *
 * <p><b>Parsing is strict.</b> Unknown fields, wrong types, values a builder refuses, references to
 * policies the file does not define, duplicate keys, YAML anchors and aliases, {@code null}, a second
 * document, a file over {@value #MAX_DOCUMENT_BYTES} bytes or nested deeper than {@value #MAX_DEPTH}
 * levels, and a file that is not UTF-8 are refused with a {@link PolicyFileException} listing every
 * problem found (each with file, line, column and JSON pointer). YAML and JSON are read by one code path,
 * Jackson's streaming {@link JsonParser}; a YAML file is YAML 1.1 read with {@code yes}, {@code no}, {@code
 * on} and {@code off} as strings, so only {@code true} and {@code false} are booleans.
 *
 * <p>Stateless and thread-safe.
 */
public final class PolicyFiles {

  /** The largest policy file read: 1 MiB. */
  public static final int MAX_DOCUMENT_BYTES = 1 << 20;

  /** The deepest nesting of mappings and lists read. */
  public static final int MAX_DEPTH = 32;

  /** The class-path resource of the format's JSON Schema. */
  public static final String SCHEMA_RESOURCE = "/dev/agentlimiter/core/config/policy-file.schema.json";

  /** The two syntaxes of a policy file: the same tree either way. */
  public enum Format {
    /** YAML 1.1, one document; {@code .yaml} or {@code .yml}. */
    YAML,
    /** JSON (RFC 8259); {@code .json}. */
    JSON;

    /**
     * The format of a file name: {@code .yaml} and {@code .yml} are YAML, {@code .json} is JSON (case
     * insensitive).
     *
     * @throws IllegalArgumentException for any other name, saying which endings are read
     */
    public static Format of(Path file) {
      Path name = file.getFileName();
      String s = name == null ? "" : name.toString().toLowerCase(Locale.ROOT);
      if (s.endsWith(".yaml") || s.endsWith(".yml")) {
        return YAML;
      }
      if (s.endsWith(".json")) {
        return JSON;
      }
      throw new IllegalArgumentException(
          "policy file " + file + ": the name must end in .yaml, .yml or .json to tell its format");
    }
  }

  private static final StreamReadConstraints CONSTRAINTS =
      StreamReadConstraints.builder()
          .maxDocumentLength(MAX_DOCUMENT_BYTES)
          .maxNestingDepth(MAX_DEPTH + 1) // the reader's own check at MAX_DEPTH names the field
          .maxStringLength(MAX_DOCUMENT_BYTES)
          .maxNameLength(1024)
          .maxNumberLength(100)
          .build();

  private static final JsonFactory JSON_FACTORY =
      JsonFactory.builder()
          .streamReadConstraints(CONSTRAINTS)
          .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
          .build();

  private static final YAMLFactory YAML_FACTORY =
      YAMLFactory.builder()
          .streamReadConstraints(CONSTRAINTS)
          .enable(YAMLParser.Feature.PARSE_BOOLEAN_LIKE_WORDS_AS_STRINGS)
          .disable(YAMLParser.Feature.EMPTY_DOCUMENT_AS_EMPTY_OBJECT)
          .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
          .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
          .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
          .stringQuotingChecker(new PlainScalars())
          .build();

  private PolicyFiles() {}

  /**
   * Reads a policy file; its format is told by its name ({@link Format#of}). A relative {@code
   * identity.apiKeyFile} is resolved against the file's directory.
   *
   * @throws PolicyFileException listing every problem of the file (including one that is too large or not
   *     UTF-8)
   * @throws IllegalArgumentException if the name ends in neither .yaml, .yml nor .json
   * @throws UncheckedIOException if the file cannot be read
   */
  public static PolicyFile read(Path file) {
    Format format = Format.of(file);
    String source = file.toString();
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(MAX_DOCUMENT_BYTES + 1);
    } catch (IOException e) {
      throw new UncheckedIOException("policy file " + file + ": cannot be read: " + e.getMessage(), e);
    }
    Problems problems = new Problems(source);
    if (bytes.length > MAX_DOCUMENT_BYTES) {
      problems.add(1, 1, "/", tooLarge("more than " + MAX_DOCUMENT_BYTES));
      problems.throwIfAny();
    }
    return parse(decode(bytes, problems), source, format, file.toAbsolutePath().getParent());
  }

  /**
   * Parses a policy file's content. A relative {@code identity.apiKeyFile} is resolved against the
   * directory of {@code sourceName} when it names a path with a directory, else left relative.
   *
   * @param content the file's text
   * @param sourceName the file's name or path, for problems
   * @param format its syntax
   * @throws PolicyFileException listing every problem of the content
   */
  public static PolicyFile parse(String content, String sourceName, Format format) {
    Objects.requireNonNull(sourceName, "sourceName");
    Path base = null;
    try {
      base = Path.of(sourceName).getParent();
    } catch (InvalidPathException e) {
      // not a path: relative key files stay relative
    }
    return parse(content, sourceName, format, base);
  }

  private static PolicyFile parse(
      String content, String sourceName, Format format, @Nullable Path baseDir) {
    Objects.requireNonNull(content, "content");
    Objects.requireNonNull(format, "format");
    Problems problems = new Problems(sourceName);
    if (content.length() > MAX_DOCUMENT_BYTES / 3) { // a char is at most 3 bytes of UTF-8
      int bytes = content.getBytes(StandardCharsets.UTF_8).length;
      if (bytes > MAX_DOCUMENT_BYTES) {
        problems.add(1, 1, "/", tooLarge(String.valueOf(bytes)));
        problems.throwIfAny();
      }
    }
    String text = content.startsWith("\uFEFF") ? content.substring(1) : content;
    PolicyFile file = null;
    try (JsonParser parser = factory(format).createParser(text)) {
      Node root = TreeReader.read(parser, problems);
      file = new Binder(problems, baseDir).bind(root);
    } catch (Problems.Stop stop) {
      // the problem is recorded
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    problems.throwIfAny();
    return Objects.requireNonNull(file, "a file with no problem is bound");
  }

  /**
   * The canonical text of a configuration: {@link #parse} reads it back into an equal {@link PolicySet}.
   * Fields appear in the order of the format's documentation, defaults that the set cannot tell from
   * explicit values are written out, and durations in their shortest exact form ({@code 1s}, {@code 500ms},
   * else ISO-8601).
   */
  public static String write(PolicySet set, Format format) {
    Objects.requireNonNull(set, "set");
    return Writer.write(set, factory(Objects.requireNonNull(format, "format")), format == Format.JSON);
  }

  static JsonFactory factory(Format format) {
    return format == Format.YAML ? YAML_FACTORY : JSON_FACTORY;
  }

  private static String tooLarge(String size) {
    return "the file has " + size + " bytes; a policy file has at most " + MAX_DOCUMENT_BYTES
        + " (1 MiB)";
  }

  /** The text of a UTF-8 file; a byte sequence that is not UTF-8 is a problem at its line and column. */
  private static String decode(byte[] bytes, Problems problems) {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    try {
      return decoder.decode(in).toString();
    } catch (MalformedInputException e) {
      int offset = in.position();
      int line = 1;
      int lineStart = 0;
      for (int i = 0; i < offset && i < bytes.length; i++) {
        if (bytes[i] == '\n') {
          line++;
          lineStart = i + 1;
        }
      }
      int column =
          new String(bytes, lineStart, offset - lineStart, StandardCharsets.UTF_8).length() + 1;
      problems.add(
          line,
          column,
          "/",
          String.format(
              Locale.ROOT,
              "the file is not UTF-8: byte 0x%02x at offset %d; save it as UTF-8",
              bytes[Math.min(offset, bytes.length - 1)] & 0xff,
              offset));
      problems.throwIfAny();
      throw new AssertionError("unreachable");
    } catch (CharacterCodingException e) {
      problems.add(1, 1, "/", "the file is not UTF-8; save it as UTF-8");
      problems.throwIfAny();
      throw new AssertionError("unreachable");
    }
  }
}
