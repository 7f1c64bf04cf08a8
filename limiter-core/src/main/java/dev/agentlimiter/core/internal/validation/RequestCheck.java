package dev.agentlimiter.core.internal.validation;

import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.api.RequestRules;
import dev.agentlimiter.api.RequestView;
import dev.agentlimiter.core.http.HttpResponses;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Checks a request's shape against a route's {@link RequestRules}: required headers, content type and
 * declared length first ({@link #checkHeaders}), then the body ({@link #readBody}). Stateless and
 * thread-safe.
 *
 * <p>Guarantees:
 *
 * <ul>
 *   <li><b>Bounded reading.</b> The body is opened only when a rule or the fingerprint needs it, at
 *       most once, and read as bytes, never more than the limit plus one byte (or the fingerprint prefix).
 *       The buffer starts at no more than 64 KiB and doubles as bytes arrive, so a declared length cannot
 *       make it allocate ahead of the bytes. A body that reaches the limit plus one byte is refused at
 *       once; the rest is neither read nor drained.
 *   <li><b>Trusts only what it reads.</b> A {@code Content-Length} above the limit is refused without
 *       reading; a smaller one is not believed: a longer stream still stops at the limit plus one byte.
 *   <li><b>Never throws</b> for any request content, given a {@link RequestView} that honours its
 *       contract: a refusal is a {@link Decision} with {@link Reason#INVALID_REQUEST} and one of the causes
 *       below; a body that cannot be opened or read ({@link IOException} or runtime exception from the
 *       stream) is {@link Decision#CAUSE_UNREADABLE_BODY}.
 *   <li><b>Never echoes input.</b> Details name the rule (the header's name, the accepted types, the
 *       limit) or the line and column of a JSON problem, never a value the request carried.
 * </ul>
 *
 * <p>Causes: {@link Decision#CAUSE_MISSING_HEADER}, {@link Decision#CAUSE_UNSUPPORTED_CONTENT_TYPE}, {@value
 * #CAUSE_MALFORMED_CONTENT_LENGTH}, {@link Decision#CAUSE_BODY_TOO_LARGE}, {@link
 * Decision#CAUSE_UNREADABLE_BODY}, {@link Decision#CAUSE_MALFORMED_JSON} and its finer {@code
 * malformed-json.*} causes.
 */
public final class RequestCheck {

  /** {@link Decision#CAUSE_MALFORMED_CONTENT_LENGTH}, by the name the tests know. */
  static final String CAUSE_MALFORMED_CONTENT_LENGTH = Decision.CAUSE_MALFORMED_CONTENT_LENGTH;

  /** The first buffer when a length is declared or not; it then doubles as bytes arrive. */
  private static final int MAX_INITIAL_BUFFER = 64 * 1024;

  private static final int INITIAL_BUFFER_UNDECLARED = 8 * 1024;

  private static final byte[] EMPTY = new byte[0];

  /** What {@link #contentLength} answers for a malformed {@code Content-Length}. */
  private static final long MALFORMED = -2;

  private RequestCheck() {}

  /**
   * Checks what the headers alone can tell, without touching the body: required headers, the content type,
   * and the declared {@code Content-Length} against the body limit. Never throws.
   *
   * @return {@code null} if the headers pass, else a refusal with {@link Reason#INVALID_REQUEST}
   */
  public static @Nullable Decision checkHeaders(RequestRules rules, RequestView request) {
    Decision missing = missingHeader(rules.requiredHeaders(), request);
    if (missing != null) {
      return missing;
    }
    if (!rules.contentTypes().isEmpty()) {
      Decision type = checkContentType(rules, request);
      if (type != null) {
        return type;
      }
    }
    OptionalLong max = rules.maxBodyBytes();
    if (max.isPresent()) {
      long declared = contentLength(request.headers("content-length"));
      if (declared == MALFORMED) {
        return Decision.refused(
            Reason.INVALID_REQUEST, Decision.CAUSE_MALFORMED_CONTENT_LENGTH, "content-length is malformed");
      }
      if (declared > max.getAsLong()) {
        return tooLarge(max.getAsLong());
      }
    }
    return null;
  }

  /**
   * Reads as much of the body as the rules need, and checks it. With a body limit {@code M} ({@link
   * RequestRules#readsBody()}), reads up to {@code M + 1} bytes: {@code M + 1} bytes are refused with {@link
   * Decision#CAUSE_BODY_TOO_LARGE}, a body within the limit is checked as JSON if the rules say so (an empty
   * body passes). Without a body limit, reads only the first {@code fingerprintPrefixBytes} bytes, for the
   * loop-detection fingerprint, and does not open the body at all if that is 0. Does not check headers:
   * call {@link #checkHeaders} first. Never throws.
   *
   * @param fingerprintPrefixBytes how many leading bytes the fingerprint needs when no rule reads the body;
   *     ignored when one does (the whole body within the limit is read then)
   */
  public static BodyRead readBody(RequestRules rules, RequestView request, int fingerprintPrefixBytes) {
    OptionalLong max = rules.maxBodyBytes();
    if (max.isEmpty() && fingerprintPrefixBytes <= 0) {
      return BodyRead.untouched(request);
    }
    long declared = contentLength(request.headers("content-length"));
    InputStream in;
    try {
      in = Objects.requireNonNull(request.body(), "body");
    } catch (IOException | RuntimeException e) {
      return BodyRead.failed(request, unreadable());
    }
    int limit =
        max.isPresent() ? (int) Math.min(Integer.MAX_VALUE, max.getAsLong() + 1) : fingerprintPrefixBytes;
    byte[] buffer = initialBuffer(limit, declared);
    int length = 0;
    boolean ended = false;
    try {
      while (length < limit) {
        if (length == buffer.length) {
          // full: one blocking single-byte read tells the end from more, without growing for nothing
          int b = in.read();
          if (b < 0) {
            ended = true;
            break;
          }
          buffer = Arrays.copyOf(buffer, (int) Math.min(limit, Math.max(2L * buffer.length, 16)));
          buffer[length++] = (byte) b;
          continue;
        }
        int n = in.read(buffer, length, buffer.length - length);
        if (n < 0) {
          ended = true;
          break;
        }
        if (n == 0) {
          // a stream that breaks the contract by returning 0: fall back to a blocking read of one byte
          int b = in.read();
          if (b < 0) {
            ended = true;
            break;
          }
          buffer[length++] = (byte) b;
          continue;
        }
        length += n;
      }
    } catch (IOException | RuntimeException e) {
      return new BodyRead(unreadable(), buffer, length, new ReplayStream(buffer, length, in, false), true, false);
    }
    ReplayStream replay = new ReplayStream(buffer, length, in, ended);
    // the declared length frames the body unless a transfer coding does (RFC 9112, section 6.3)
    boolean toEnd = ended || (length == declared && request.header("transfer-encoding") == null);
    if (max.isEmpty()) {
      return new BodyRead(null, buffer, length, replay, true, toEnd);
    }
    if (length > max.getAsLong()) {
      return new BodyRead(tooLarge(max.getAsLong()), buffer, length, replay, true, toEnd);
    }
    Decision json = rules.json() && length > 0 ? checkJson(buffer, length, max.getAsLong()) : null;
    return new BodyRead(json, buffer, length, replay, true, toEnd);
  }

  // --- headers

  private static @Nullable Decision missingHeader(Set<String> required, RequestView request) {
    String first = null;
    for (String name : required) {
      // the first in sorted order, so the answer does not depend on the set's iteration order
      if (request.header(name) == null && (first == null || name.compareTo(first) < 0)) {
        first = name;
      }
    }
    return first == null
        ? null
        : Decision.refused(
            Reason.INVALID_REQUEST,
            Decision.CAUSE_MISSING_HEADER,
            "required header '" + first + "' is missing");
  }

  private static @Nullable Decision checkContentType(RequestRules rules, RequestView request) {
    List<String> values = request.headers("content-type");
    if (values.isEmpty()) {
      return hasBody(request) ? unsupportedType(rules, "content type is missing") : null;
    }
    if (values.size() > 1) {
      return unsupportedType(rules, "content type is not accepted");
    }
    MediaType type = MediaType.parse(values.get(0));
    if (type == null
        || !rules.contentTypes().contains(type.essence())
        || (rules.json() && type.charset() != null && !"utf-8".equalsIgnoreCase(type.charset()))) {
      return unsupportedType(rules, "content type is not accepted");
    }
    return null;
  }

  /** Whether the headers announce a body, by {@link HttpResponses#declaresBody}'s rule. */
  public static boolean hasBody(RequestView request) {
    List<String> lengths = request.headers("content-length");
    return HttpResponses.declaresBody(
        lengths.isEmpty() ? -1 : contentLength(lengths), request.headers("transfer-encoding").isEmpty() ? null : "");
  }

  private static Decision unsupportedType(RequestRules rules, String what) {
    StringBuilder detail = new StringBuilder(what).append("; accepted: ");
    int prefix = detail.length();
    for (String type : new TreeSet<>(rules.contentTypes())) {
      String next = (detail.length() > prefix ? ", " : "") + type;
      if (detail.length() + next.length() > Decision.MAX_DETAIL_LENGTH - 5) {
        detail.append(", ...");
        break;
      }
      detail.append(next);
    }
    return Decision.refused(
        Reason.INVALID_REQUEST, Decision.CAUSE_UNSUPPORTED_CONTENT_TYPE, detail.toString());
  }

  /**
   * The declared length: {@code -1} if absent, {@link #MALFORMED} if the values are not one non-negative
   * integer below 10^18 (RFC 9110 §8.6 lets a list of identical values stand for one).
   */
  private static long contentLength(List<String> values) {
    long result = -1;
    for (String value : values) {
      int start = 0;
      int length = value.length();
      while (start <= length) {
        int comma = value.indexOf(',', start);
        int end = comma < 0 ? length : comma;
        long one = digits(value, start, end);
        if (one < 0 || (result >= 0 && one != result)) {
          return MALFORMED;
        }
        result = one;
        start = end + 1;
      }
    }
    return result;
  }

  /** The non-negative integer in {@code s[start, end)} between optional whitespace, or -1. */
  private static long digits(String s, int start, int end) {
    int from = start;
    int to = end;
    while (from < to && isOws(s.charAt(from))) {
      from++;
    }
    while (to > from && isOws(s.charAt(to - 1))) {
      to--;
    }
    while (from < to - 1 && s.charAt(from) == '0') {
      from++; // leading zeros do not overflow
    }
    if (from == to || to - from > 18) {
      return -1;
    }
    long value = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }

  private static boolean isOws(char c) {
    return c == ' ' || c == '\t';
  }

  private static boolean isTchar(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
  }

  /**
   * A parsed {@code Content-Type} (RFC 9110 §8.3.1): {@code type "/" subtype *( OWS ";" OWS [ parameter ] )},
   * a parameter being {@code token "=" ( token / quoted-string )}.
   *
   * @param essence {@code type/subtype}, lower case
   * @param charset the last {@code charset} parameter's value, unquoted, or {@code null}
   */
  private record MediaType(String essence, @Nullable String charset) {

    static @Nullable MediaType parse(String value) {
      int end = value.length();
      while (end > 0 && isOws(value.charAt(end - 1))) {
        end--;
      }
      int i = 0;
      while (i < end && isOws(value.charAt(i))) {
        i++;
      }
      int typeStart = i;
      i = token(value, i, end);
      if (i == typeStart || i >= end || value.charAt(i) != '/') {
        return null;
      }
      int subtypeStart = ++i;
      i = token(value, i, end);
      if (i == subtypeStart) {
        return null;
      }
      String essence = value.substring(typeStart, i).toLowerCase(Locale.ROOT);
      String charset = null;
      while (i < end) {
        i = skipOws(value, i, end);
        if (i >= end || value.charAt(i) != ';') {
          return null; // a comma-separated list, or anything else after the type
        }
        i = skipOws(value, i + 1, end);
        if (i >= end || value.charAt(i) == ';') {
          continue; // an empty parameter
        }
        int nameStart = i;
        i = token(value, i, end);
        if (i == nameStart || i >= end || value.charAt(i) != '=') {
          return null;
        }
        String name = value.substring(nameStart, i);
        i++;
        String parameter;
        if (i < end && value.charAt(i) == '"') {
          StringBuilder unquoted = new StringBuilder();
          i++;
          boolean closed = false;
          while (i < end) {
            char c = value.charAt(i++);
            if (c == '"') {
              closed = true;
              break;
            }
            if (c == '\\') {
              if (i >= end || !isQuotedPairChar(value.charAt(i))) {
                return null;
              }
              c = value.charAt(i++);
            } else if (!isQdtext(c)) {
              return null;
            }
            unquoted.append(c);
          }
          if (!closed) {
            return null;
          }
          parameter = unquoted.toString();
        } else {
          int valueStart = i;
          i = token(value, i, end);
          if (i == valueStart) {
            return null;
          }
          parameter = value.substring(valueStart, i);
        }
        if ("charset".equalsIgnoreCase(name)) {
          charset = parameter;
        }
      }
      return new MediaType(essence, charset);
    }

    private static int token(String s, int from, int end) {
      int i = from;
      while (i < end && isTchar(s.charAt(i))) {
        i++;
      }
      return i;
    }

    private static int skipOws(String s, int from, int end) {
      int i = from;
      while (i < end && isOws(s.charAt(i))) {
        i++;
      }
      return i;
    }

    private static boolean isQdtext(char c) {
      return c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5B) || (c >= 0x5D && c <= 0x7E)
          || (c >= 0x80 && c <= 0xFF);
    }

    private static boolean isQuotedPairChar(char c) {
      return c == '\t' || (c >= 0x20 && c <= 0x7E) || (c >= 0x80 && c <= 0xFF);
    }
  }

  // --- body

  private static byte[] initialBuffer(int limit, long declared) {
    long size =
        declared >= 0
            ? Math.min(declared, MAX_INITIAL_BUFFER)
            : Math.min(INITIAL_BUFFER_UNDECLARED, MAX_INITIAL_BUFFER);
    size = Math.min(size, limit);
    return size == 0 ? EMPTY : new byte[(int) size];
  }

  private static @Nullable Decision checkJson(byte[] body, int length, long maxBytes) {
    JsonShape.Problem problem;
    try {
      problem = JsonShape.withMaxDocumentBytes(maxBytes).check(body, 0, length);
    } catch (RuntimeException e) {
      problem = new JsonShape.Problem(JsonShape.MALFORMED, 0, 0); // never expected; the guarantee is to not throw
    }
    if (problem == null) {
      return null;
    }
    return Decision.refused(Reason.INVALID_REQUEST, problem.decisionCause(), problem.detail());
  }

  private static Decision tooLarge(long max) {
    return Decision.refused(
        Reason.INVALID_REQUEST,
        Decision.CAUSE_BODY_TOO_LARGE,
        "request body exceeds the limit of " + max + " bytes");
  }

  private static Decision unreadable() {
    return Decision.refused(
        Reason.INVALID_REQUEST, Decision.CAUSE_UNREADABLE_BODY, "request body could not be read");
  }

  /**
   * What {@link #readBody} read: a refusal or none, the bytes read, and the body to give the application.
   * Used on one thread, for one request.
   */
  public static final class BodyRead {
    private final @Nullable Decision refusal;
    private final byte[] bytes;
    private final int length;
    private final InputStream replay;
    private final boolean opened;
    private final boolean toEnd;

    private BodyRead(
        @Nullable Decision refusal, byte[] bytes, int length, InputStream replay, boolean opened, boolean toEnd) {
      this.refusal = refusal;
      this.bytes = bytes;
      this.length = length;
      this.replay = replay;
      this.opened = opened;
      this.toEnd = toEnd;
    }

    static BodyRead untouched(RequestView request) {
      return new BodyRead(null, EMPTY, 0, new LazyBody(request), false, false);
    }

    static BodyRead failed(RequestView request, Decision refusal) {
      return new BodyRead(refusal, EMPTY, 0, new LazyBody(request), false, false);
    }

    /** Why the body is refused, or {@code null} if it passes. */
    public @Nullable Decision refusal() {
      return refusal;
    }

    /**
     * The bytes read, in {@code [0, length())}: the whole body if it is within a limit, else a prefix of at
     * most the limit plus one byte, or of the fingerprint prefix. <b>Shared, not a copy:</b> do not modify.
     */
    public byte[] bytes() {
      return bytes;
    }

    /** How many bytes were read. */
    public int length() {
      return length;
    }

    /**
     * Whether the body stream was opened. If not, nothing was consumed and the application can read the
     * container's stream as usual ({@link dev.agentlimiter.api.Admission#replayBody()} is empty).
     */
    public boolean opened() {
      return opened;
    }

    /**
     * Whether the whole body was read: the stream reported its end, or as many bytes as {@code
     * Content-Length} declared were read. Then no body bytes are left unread on the connection. {@code
     * false} for a body not opened, read in part (a fingerprint prefix, a body over its limit) or whose read
     * failed.
     */
    public boolean toEnd() {
      return toEnd;
    }

    /**
     * The original body: the bytes read, then the unread rest of the container's stream. The same stream
     * on every call; closing it closes the container's stream. If the body was never {@linkplain #opened()
     * opened}, a stream that opens it on first use.
     */
    public InputStream replay() {
      return replay;
    }

    @Override
    public String toString() {
      return "BodyRead[" + (refusal == null ? "ok" : refusal.cause().orElse("refused")) + ", read=" + length
          + (opened ? "" : ", unopened") + (toEnd ? ", to the end" : "") + "]";
    }
  }

  /** The bytes read, then the rest of the original stream. Full {@link InputStream} contract. */
  private static final class ReplayStream extends InputStream {
    private final byte[] bytes;
    private final int length;
    private final InputStream rest;
    private final boolean restEnded;
    private int position;

    ReplayStream(byte[] bytes, int length, InputStream rest, boolean restEnded) {
      this.bytes = bytes;
      this.length = length;
      this.rest = rest;
      this.restEnded = restEnded;
    }

    @Override
    public int read() throws IOException {
      if (position < length) {
        return bytes[position++] & 0xFF;
      }
      return restEnded ? -1 : rest.read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      Objects.checkFromIndexSize(off, len, b.length);
      if (len == 0) {
        return 0;
      }
      if (position < length) {
        int n = Math.min(len, length - position);
        System.arraycopy(bytes, position, b, off, n);
        position += n;
        return n;
      }
      return restEnded ? -1 : rest.read(b, off, len);
    }

    @Override
    public long skip(long n) throws IOException {
      if (n <= 0) {
        return 0;
      }
      if (position < length) {
        int skipped = (int) Math.min(n, length - position);
        position += skipped;
        return skipped;
      }
      return restEnded ? 0 : rest.skip(n);
    }

    @Override
    public int available() throws IOException {
      int buffered = length - position;
      if (restEnded) {
        return buffered;
      }
      long total = (long) buffered + rest.available();
      return (int) Math.min(Integer.MAX_VALUE, total);
    }

    @Override
    public void close() throws IOException {
      position = length;
      rest.close();
    }
  }

  /** The container's stream, opened on first use: for a body the engine never touched. */
  private static final class LazyBody extends InputStream {
    private final RequestView request;
    private @Nullable InputStream body;
    private boolean closed;

    LazyBody(RequestView request) {
      this.request = request;
    }

    private InputStream body() throws IOException {
      InputStream b = body;
      if (b == null) {
        if (closed) {
          throw new IOException("stream closed");
        }
        b = Objects.requireNonNull(request.body(), "body");
        body = b;
      }
      return b;
    }

    @Override
    public int read() throws IOException {
      return body().read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      Objects.checkFromIndexSize(off, len, b.length);
      return len == 0 ? 0 : body().read(b, off, len);
    }

    @Override
    public long skip(long n) throws IOException {
      return body().skip(n);
    }

    @Override
    public int available() throws IOException {
      return body().available();
    }

    @Override
    public void close() throws IOException {
      closed = true;
      InputStream b = body;
      if (b != null) {
        b.close();
      }
    }
  }
}
