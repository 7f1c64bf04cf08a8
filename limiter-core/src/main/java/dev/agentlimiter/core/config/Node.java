package dev.agentlimiter.core.config;

import com.fasterxml.jackson.core.JsonToken;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A policy file's document as read from the token stream, every value with the 1-based line and column it
 * starts at. YAML and JSON give the same tree.
 */
sealed interface Node permits Node.MapNode, Node.ListNode, Node.Scalar {

  int line();

  int column();

  /** What the value is, for messages: {@code a mapping}, {@code the string 'x'}, {@code the number 5}. */
  String describe();

  /** A key of a mapping, where it is written. */
  record Key(String name, int line, int column) {}

  /** A mapping; its entries in file order. */
  record MapNode(Map<String, Entry> entries, int line, int column) implements Node {
    public MapNode {
      entries = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(entries));
    }

    @Nullable Node get(String name) {
      Entry e = entries.get(name);
      return e == null ? null : e.value();
    }

    @Override
    public String describe() {
      return "a mapping";
    }
  }

  /** One entry of a mapping. */
  record Entry(Key key, Node value) {}

  /** A sequence. */
  record ListNode(List<Node> items, int line, int column) implements Node {
    public ListNode {
      items = List.copyOf(items);
    }

    @Override
    public String describe() {
      return "a list";
    }
  }

  /**
   * A scalar: a string, an integer (with its exact value), a decimal number, a boolean or null.
   *
   * @param token the token that carried it
   * @param text the text as written
   * @param integer the exact value of an integer token, else null
   */
  record Scalar(JsonToken token, String text, @Nullable BigInteger integer, int line, int column)
      implements Node {

    boolean isString() {
      return token == JsonToken.VALUE_STRING;
    }

    @Override
    public String describe() {
      return switch (token) {
        case VALUE_STRING -> "the string '" + text + "'";
        case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "the number " + text;
        case VALUE_TRUE, VALUE_FALSE -> "the boolean " + text;
        case VALUE_NULL -> "null";
        default -> text;
      };
    }
  }
}
