package dev.agentlimiter.core.internal.validation;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import dev.agentlimiter.api.Decision;
import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.jspecify.annotations.Nullable;

/**
 * Checks that a request body is one well-formed JSON document within explicit limits, reading bytes (never
 * a {@code Reader}) with Jackson's streaming parser. Jackson's defaults are not security decisions: they
 * allow nesting 1,000 deep, documents of any length and duplicate keys (last one wins), so every limit is
 * set here, duplicate keys are refused, and so are trailing content after the document and invalid UTF-8
 * (Jackson ≥ 2.21 also refuses UTF-8-encoded surrogates). Every string and name is decoded, so invalid
 * UTF-8 cannot hide in a skipped value. UTF-16 and UTF-32 documents, which Jackson would detect from their
 * first bytes and accept, are refused as {@code invalid-utf8}: JSON exchanged between systems is UTF-8
 * (RFC 8259 §8.1). A UTF-8 byte order mark is ignored, as RFC 8259 permits. Immutable and thread-safe.
 */
public final class JsonShape {

  /** Instances with the default limits but another document limit: few, as limits come from config. */
  private static final ConcurrentMap<Long, JsonShape> BY_DOCUMENT_LIMIT = new ConcurrentHashMap<>();

  /** At most this many cached instances; beyond it, instances are built per call (correct, only slower). */
  private static final int MAX_CACHED = 64;

  private static final JsonShape DEFAULT = new JsonShape(Limits.DEFAULT);

  /**
   * The limits.
   *
   * @param maxDepth open objects and arrays, at most
   * @param maxDocumentBytes the whole document, in bytes
   * @param maxStringLength one string value, in bytes or chars as Jackson counts them
   * @param maxNameLength one property name
   * @param maxNumberLength one number's text
   * @param maxTokens tokens in the document
   */
  record Limits(
      int maxDepth,
      long maxDocumentBytes,
      int maxStringLength,
      int maxNameLength,
      int maxNumberLength,
      long maxTokens) {

    /** Depth 32, 1 MiB, strings of 256 KiB, names of 256, numbers of 100 digits, 100,000 tokens. */
    static final Limits DEFAULT = new Limits(32, 1 << 20, 256 * 1024, 256, 100, 100_000);

    /** These limits with another document limit. */
    public Limits withMaxDocumentBytes(long bytes) {
      return new Limits(maxDepth, bytes, maxStringLength, maxNameLength, maxNumberLength, maxTokens);
    }
  }

  // The problems. Each but MALFORMED is the part after the dot of a finer cause of Decision's, where it is
  // written; MALFORMED is the plain CAUSE_MALFORMED_JSON.

  static final String MALFORMED = "malformed";
  static final String EMPTY = problem(Decision.CAUSE_MALFORMED_JSON_EMPTY);
  static final String DUPLICATE_KEY = problem(Decision.CAUSE_MALFORMED_JSON_DUPLICATE_KEY);
  static final String INVALID_UTF8 = problem(Decision.CAUSE_MALFORMED_JSON_INVALID_UTF8);
  static final String TRAILING_CONTENT = problem(Decision.CAUSE_MALFORMED_JSON_TRAILING_CONTENT);
  static final String TOO_DEEP = problem(Decision.CAUSE_MALFORMED_JSON_TOO_DEEP);
  static final String TOO_LARGE = problem(Decision.CAUSE_MALFORMED_JSON_TOO_LARGE);

  private static String problem(String finerCause) {
    return finerCause.substring(Decision.CAUSE_MALFORMED_JSON.length() + 1);
  }

  /**
   * Why a body was refused: a stable cause for the problem body and the audit log, and where. Never
   * contains the input itself.
   *
   * @param cause one of {@link #EMPTY}, {@link #MALFORMED}, {@link #DUPLICATE_KEY}, {@link #INVALID_UTF8},
   *     {@link #TRAILING_CONTENT}, {@link #TOO_DEEP}, {@link #TOO_LARGE}
   * @param line 1-based line of the problem, or 0 if unknown
   * @param column 1-based column, or 0 if unknown
   */
  record Problem(String cause, long line, long column) {
    /** A sentence for the problem body's {@code detail}. */
    String detail() {
      return "request body is not acceptable JSON (" + cause + ")"
          + (line > 0 ? " at line " + line + ", column " + column : "");
    }

    /** The decision's cause: {@link Decision#CAUSE_MALFORMED_JSON}, or the finer cause of this problem. */
    String decisionCause() {
      return cause.equals(MALFORMED) ? Decision.CAUSE_MALFORMED_JSON : Decision.CAUSE_MALFORMED_JSON + "." + cause;
    }
  }

  private final JsonFactory factory;
  private final Limits limits;

  JsonShape(Limits limits) {
    this.limits = limits;
    this.factory =
        JsonFactory.builder()
            .streamReadConstraints(
                StreamReadConstraints.builder()
                    .maxNestingDepth(limits.maxDepth())
                    .maxDocumentLength(limits.maxDocumentBytes())
                    .maxStringLength(limits.maxStringLength())
                    .maxNameLength(limits.maxNameLength())
                    .maxNumberLength(limits.maxNumberLength())
                    .maxTokenCount(limits.maxTokens())
                    .build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
  }

  /**
   * A checker with the default limits except the document length, shared: building a {@link JsonFactory} is
   * not cheap. Thread-safe.
   *
   * @param maxDocumentBytes the largest document, in bytes; {@code 0} or less means no document limit
   */
  public static JsonShape withMaxDocumentBytes(long maxDocumentBytes) {
    if (maxDocumentBytes == Limits.DEFAULT.maxDocumentBytes()) {
      return DEFAULT;
    }
    JsonShape cached = BY_DOCUMENT_LIMIT.get(maxDocumentBytes);
    if (cached != null) {
      return cached;
    }
    JsonShape shape = new JsonShape(Limits.DEFAULT.withMaxDocumentBytes(maxDocumentBytes));
    if (BY_DOCUMENT_LIMIT.size() < MAX_CACHED) {
      JsonShape raced = BY_DOCUMENT_LIMIT.putIfAbsent(maxDocumentBytes, shape);
      return raced != null ? raced : shape;
    }
    return shape;
  }

  /** The limits this instance enforces. */
  Limits limits() {
    return limits;
  }

  /** {@code null} if {@code body[offset, offset + length)} is one acceptable document, else why not. */
  public @Nullable Problem check(byte[] body, int offset, int length) {
    Problem encoding = notUtf8(body, offset, length);
    if (encoding != null) {
      return encoding;
    }
    JsonParser parser;
    try {
      parser = factory.createParser(body, offset, length);
    } catch (StreamConstraintsException e) {
      return at(TOO_LARGE, e.getLocation()); // the document length, checked up front
    } catch (IOException e) {
      return new Problem(MALFORMED, 0, 0);
    }
    try (parser) {
      JsonToken token = parser.nextToken();
      if (token == null) {
        return at(EMPTY, parser.currentLocation());
      }
      int depth = 0;
      do {
        switch (token) {
          case START_OBJECT, START_ARRAY -> depth++;
          case END_OBJECT, END_ARRAY -> depth--;
          case FIELD_NAME, VALUE_STRING, VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
            // decodes the text, so invalid UTF-8 cannot hide in a value nobody reads; and checks the
            // lengths here, since Jackson enforces some of them only when a value is materialised
            int textLength = parser.getTextLength();
            int max =
                token == JsonToken.FIELD_NAME
                    ? limits.maxNameLength()
                    : token == JsonToken.VALUE_STRING ? limits.maxStringLength() : limits.maxNumberLength();
            if (textLength > max) {
              return at(TOO_LARGE, parser.currentTokenLocation());
            }
          }
          default -> { }
        }
      } while (depth > 0 && (token = parser.nextToken()) != null);
      if (depth > 0) {
        return at(MALFORMED, parser.currentLocation());
      }
      JsonLocation end = parser.currentLocation();
      try {
        if (parser.nextToken() != null) {
          return at(TRAILING_CONTENT, end);
        }
      } catch (StreamConstraintsException e) {
        return at(TOO_LARGE, end);
      } catch (JsonProcessingException e) {
        return at(TRAILING_CONTENT, end); // not even a token
      }
      return null;
    } catch (StreamConstraintsException e) {
      String message = String.valueOf(e.getOriginalMessage()).toLowerCase(Locale.ROOT);
      return at(message.contains("depth") ? TOO_DEEP : TOO_LARGE, where(e, parser));
    } catch (JsonProcessingException e) {
      String message = String.valueOf(e.getOriginalMessage()).toLowerCase(Locale.ROOT);
      String cause =
          message.contains("duplicate")
              ? DUPLICATE_KEY
              : message.contains("utf-8") || message.contains("utf8") || message.contains("surrogate")
                  ? INVALID_UTF8
                  : MALFORMED;
      return at(cause, where(e, parser));
    } catch (IOException e) {
      return new Problem(MALFORMED, 0, 0);
    }
  }

  /**
   * Jackson detects UTF-16 and UTF-32 from a byte order mark or from zero bytes among the first four, and
   * would then accept the document. None of 0x00, 0xFE, 0xFF can start UTF-8 JSON (NUL is neither
   * whitespace nor a token, and the others are never UTF-8), so their presence there means another encoding.
   */
  private static @Nullable Problem notUtf8(byte[] body, int offset, int length) {
    int end = offset + Math.min(length, 4);
    for (int i = offset; i < end; i++) {
      int b = body[i] & 0xFF;
      if (b == 0x00 || b == 0xFE || b == 0xFF) {
        return new Problem(INVALID_UTF8, 1, i - offset + 1);
      }
    }
    return null;
  }

  /** Where the exception says, or where the parser stopped: some constraint errors carry no location. */
  private static @Nullable JsonLocation where(JsonProcessingException e, JsonParser parser) {
    JsonLocation location = e.getLocation();
    return location != null ? location : parser.currentLocation();
  }

  private static Problem at(String cause, @Nullable JsonLocation where) {
    return where == null
        ? new Problem(cause, 0, 0)
        : new Problem(cause, Math.max(0, where.getLineNr()), Math.max(0, where.getColumnNr()));
  }
}
