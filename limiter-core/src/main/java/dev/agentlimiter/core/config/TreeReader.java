package dev.agentlimiter.core.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Reads one document from a {@link JsonParser} (JSON or YAML, one code path) into a {@link Node} tree,
 * refusing what a policy file may not hold: YAML anchors, aliases and tags, nesting deeper than {@link
 * PolicyFiles#MAX_DEPTH}, a second document or trailing content. A syntax error stops the reading with one
 * problem at the place of the error. A duplicate key is found here, not by Jackson's {@code
 * STRICT_DUPLICATE_DETECTION} (whose JSON location is past the key, not at it): it is reported at the
 * second key and the reading goes on, so it is listed with the file's other problems.
 */
final class TreeReader {

  /** An integer as a person writes one: no leading zero, sign, base prefix, underscore or colon. */
  private static final java.util.regex.Pattern DECIMAL = java.util.regex.Pattern.compile("-?(0|[1-9][0-9]*)");

  private final JsonParser parser;
  private final Problems problems;

  private TreeReader(JsonParser parser, Problems problems) {
    this.parser = parser;
    this.problems = problems;
  }

  /**
   * The document, or null if there is none (an empty file).
   *
   * @throws Problems.Stop after adding the problem that stopped the reading
   */
  static @Nullable Node read(JsonParser parser, Problems problems) {
    TreeReader reader = new TreeReader(parser, problems);
    try {
      JsonToken first = parser.nextToken();
      if (first == null) {
        return null;
      }
      Node root = reader.value(1, "");
      JsonToken next = parser.nextToken();
      if (next != null) {
        JsonLocation at = parser.currentTokenLocation();
        throw problems.stop(
            at.getLineNr(),
            at.getColumnNr(),
            "/",
            parser instanceof YAMLParser
                ? "a policy file holds one YAML document, but another starts here"
                : "expected the end of the file after the document, but found more");
      }
      return root;
    } catch (JsonProcessingException e) {
      throw syntaxError(e, parser, problems);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @SuppressWarnings("deprecation") // Jackson's wrapper of SnakeYAML's MarkedYAMLException: the problem mark
  private static Problems.Stop syntaxError(
      JsonProcessingException e, JsonParser parser, Problems problems) {
    String original = e.getOriginalMessage();
    String path = pointer(parser);
    if (e instanceof com.fasterxml.jackson.dataformat.yaml.snakeyaml.error.MarkedYAMLException marked
        && marked.getProblemMark() != null) {
      var mark = marked.getProblemMark();
      String problem = marked.getProblem();
      String context = marked.getContext();
      String message =
          "YAML syntax error: "
              + (problem != null ? problem : String.valueOf(e.getOriginalMessage()))
              + (context != null ? " (" + context + ")" : "");
      return problems.stop(mark.getLine() + 1, mark.getColumn() + 1, path, message);
    }
    JsonLocation at = e.getLocation();
    String message = original == null ? e.getClass().getSimpleName() : firstLine(original);
    if (e instanceof com.fasterxml.jackson.core.exc.StreamConstraintsException) {
      message = "the document exceeds a limit of policy files: " + message;
    } else {
      message = "syntax error: " + message;
    }
    return at == null
        ? problems.stop(1, 1, path, message)
        : problems.stop(at.getLineNr(), at.getColumnNr(), path, message);
  }

  /**
   * The JSON pointer of the mapping or list the parser is in; {@code /} at the top.
   */
  private static String pointer(JsonParser parser) {
    try {
      com.fasterxml.jackson.core.JsonStreamContext context = parser.getParsingContext();
      String pointer = context.pathAsPointer().toString();
      if (context.inObject() && context.getCurrentName() != null) {
        pointer = pointer.substring(0, pointer.lastIndexOf('/'));
      }
      return Pointer.display(pointer);
    } catch (RuntimeException e) {
      return "/";
    }
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /** Reads the value at the current token. */
  private Node value(int depth, String path) throws IOException {
    JsonToken token = parser.currentToken();
    JsonLocation at = parser.currentTokenLocation();
    int line = at.getLineNr();
    int column = at.getColumnNr();
    refuseYamlFeatures(line, column, path);
    return switch (token) {
      case START_OBJECT -> {
        checkDepth(depth, line, column, path);
        Map<String, Node.Entry> entries = new LinkedHashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          String name = parser.currentName();
          JsonLocation keyAt = parser.currentTokenLocation();
          refuseYamlFeatures(keyAt.getLineNr(), keyAt.getColumnNr(), path);
          Node.Key key = new Node.Key(name, keyAt.getLineNr(), keyAt.getColumnNr());
          parser.nextToken();
          String childPath = path + "/" + Pointer.escape(name);
          Node child = value(depth + 1, childPath);
          Node.Entry first = entries.putIfAbsent(name, new Node.Entry(key, child));
          if (first != null) {
            problems.add(
                key.line(),
                key.column(),
                childPath,
                "duplicate key '" + name + "'; a key may appear once in a mapping (first at line "
                    + first.key().line() + ")");
          }
        }
        yield new Node.MapNode(entries, line, column);
      }
      case START_ARRAY -> {
        checkDepth(depth, line, column, path);
        List<Node> items = new ArrayList<>();
        int i = 0;
        while (parser.nextToken() != JsonToken.END_ARRAY) {
          items.add(value(depth + 1, path + "/" + i++));
        }
        yield new Node.ListNode(items, line, column);
      }
      case VALUE_NUMBER_INT -> {
        String text = parser.getText();
        java.math.BigInteger value = parser.getBigIntegerValue();
        if (!DECIMAL.matcher(text).matches()) {
          // YAML 1.1 reads 010 as 8, 0x10 as 16, 0b11 as 3 and 1_000 as 1000: an operator writing a limit
          // means none of that
          problems.add(
              line, column, path,
              "expected a decimal integer such as 10 but was '" + text + "' (which YAML reads as " + value + ")");
        }
        yield new Node.Scalar(token, text, value, line, column);
      }
      case VALUE_STRING, VALUE_NUMBER_FLOAT, VALUE_TRUE, VALUE_FALSE, VALUE_NULL ->
          new Node.Scalar(token, parser.getText(), null, line, column);
      default ->
          throw problems.stop(
              line, column, Pointer.display(path), "unexpected " + token + "; expected a value");
    };
  }

  private void checkDepth(int depth, int line, int column, String path) {
    if (depth > PolicyFiles.MAX_DEPTH) {
      throw problems.stop(
          line,
          column,
          Pointer.display(path),
          "nesting deeper than " + PolicyFiles.MAX_DEPTH + " levels is not allowed");
    }
  }

  private void refuseYamlFeatures(int line, int column, String path) throws IOException {
    if (parser instanceof YAMLParser yaml) {
      if (yaml.isCurrentAlias()) {
        throw problems.stop(
            line,
            column,
            Pointer.display(path),
            "YAML aliases (*" + yaml.getText() + ") are not allowed in a policy file; write the value out");
      }
      Object tag = yaml.getTypeId(); // an explicit tag, such as !!str or !include
      if (tag != null) {
        throw problems.stop(
            line,
            column,
            Pointer.display(path),
            "YAML tags are not allowed in a policy file (found '" + tag + "'); write the plain value");
      }
      Object anchor = yaml.getObjectId(); // the YAML anchor of the current node
      if (anchor != null) {
        throw problems.stop(
            line,
            column,
            Pointer.display(path),
            "YAML anchors (&" + anchor + ") are not allowed in a policy file; write each value out");
      }
    }
  }
}
