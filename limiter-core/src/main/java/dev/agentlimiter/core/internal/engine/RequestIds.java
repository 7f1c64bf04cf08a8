package dev.agentlimiter.core.internal.engine;

import dev.agentlimiter.api.RequestView;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * Where a request's id comes from, for its {@link dev.agentlimiter.api.DecisionEvent}: the first configured
 * header that carries a well-formed one, else a generated one. A W3C {@code traceparent} gives its trace
 * id; any other header is taken only when it is 1 to 128 characters of {@code [A-Za-z0-9._:-]}, so a
 * client cannot smuggle a credential, a line break or a megabyte into an audit line through it. Immutable.
 */
public final class RequestIds {

  /** The header of the W3C Trace Context. */
  static final String TRACEPARENT = "traceparent";

  /** The default: the trace id of {@code traceparent}, else {@code X-Request-Id}. */
  public static final RequestIds DEFAULT = new RequestIds(List.of(TRACEPARENT, "X-Request-Id"));

  static final int MAX_LENGTH = 128;

  private final List<String> headers;

  public RequestIds(List<String> headers) {
    for (String h : headers) {
      if (h.isEmpty() || h.length() > 256 || !token(h)) {
        throw new IllegalArgumentException("requestIdHeaders: '" + h + "' is not a header name");
      }
    }
    this.headers = List.copyOf(headers);
  }

  public List<String> headers() {
    return headers;
  }

  /** The request's id: a header's if one is well formed, else generated (16 hex digits). */
  String of(RequestView request) {
    for (String name : headers) {
      String value = request.header(name);
      if (value == null) {
        continue;
      }
      String id = name.equalsIgnoreCase(TRACEPARENT) ? traceId(value) : plain(value);
      if (id != null) {
        return id;
      }
    }
    return generated();
  }

  /**
   * The trace id of a {@code traceparent} ({@code version-traceid-parentid-flags}, lower-case hex), or
   * {@code null} if malformed or all zeros (invalid by the W3C spec).
   */
  static @Nullable String traceId(String value) {
    String v = value.trim();
    if (v.length() < 55 || v.charAt(2) != '-' || v.charAt(35) != '-' || v.charAt(52) != '-') {
      return null;
    }
    String id = v.substring(3, 35);
    boolean nonZero = false;
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return null;
      }
      nonZero |= c != '0';
    }
    return nonZero ? id : null;
  }

  /** A plain id if it is short and of safe characters only, else {@code null}. */
  static @Nullable String plain(String value) {
    String v = value.trim();
    if (v.isEmpty() || v.length() > MAX_LENGTH) {
      return null;
    }
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
              || c == '.' || c == '_' || c == ':' || c == '-';
      if (!ok) {
        return null;
      }
    }
    return v;
  }

  private static String generated() {
    long r = ThreadLocalRandom.current().nextLong();
    char[] out = new char[16];
    for (int i = 15; i >= 0; i--, r >>>= 4) {
      out[i] = HEX[(int) (r & 15)];
    }
    return new String(out);
  }

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private static boolean token(String name) {
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c <= ' ' || c >= 127 || "()<>@,;:\\\"/[]?={}".indexOf(c) >= 0) {
        return false;
      }
    }
    return true;
  }
}
