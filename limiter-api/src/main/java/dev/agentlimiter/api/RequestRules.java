package dev.agentlimiter.api;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What a route requires of a request's shape before any business logic runs: headers that must be present,
 * the content types it accepts, the largest body it reads, and whether the body must be one well-formed JSON
 * document. A request that breaks a rule is refused with {@link Reason#INVALID_REQUEST} and a {@linkplain
 * Decision#cause() cause} naming the rule ({@link Decision#CAUSE_MISSING_HEADER}, {@link
 * Decision#CAUSE_UNSUPPORTED_CONTENT_TYPE}, {@link Decision#CAUSE_BODY_TOO_LARGE}, {@link
 * Decision#CAUSE_MALFORMED_JSON}); adapters answer 400, 413 or 415.
 *
 * <p>The body is read only when a rule needs it (a size limit or JSON), as bytes, never more than the
 * limit plus one byte, and it is replayed to the application afterwards. JSON is checked with explicit
 * limits that Jackson's defaults lack: nesting depth 32, strings of 256 KiB, names of 256 characters,
 * numbers of 100 digits, 100,000 tokens; duplicate keys, trailing content and invalid UTF-8 are refused.
 *
 * <p>Immutable and thread-safe.
 */
public final class RequestRules {

  /** The body limit of {@link Builder#json()} when no {@link Builder#maxBodyBytes} is set: 1 MiB. */
  public static final long DEFAULT_JSON_MAX_BODY_BYTES = 1L << 20;

  /** The largest body limit that can be set: 64 MiB, since the body is held in memory to replay it. */
  public static final long MAX_BODY_BYTES = 64L << 20;

  private static final RequestRules NONE = new RequestRules(Set.of(), Set.of(), -1, false);

  private final Set<String> requiredHeaders;
  private final Set<String> contentTypes;
  private final long maxBodyBytes;
  private final boolean json;

  private RequestRules(
      Set<String> requiredHeaders, Set<String> contentTypes, long maxBodyBytes, boolean json) {
    this.requiredHeaders = requiredHeaders;
    this.contentTypes = contentTypes;
    this.maxBodyBytes = maxBodyBytes;
    this.json = json;
  }

  /** No rules: every request shape passes and the body is never read. */
  public static RequestRules none() {
    return NONE;
  }

  /** A builder with no rules. */
  public static Builder builder() {
    return new Builder();
  }

  /** Header names that must be present, lower case, in declaration order. */
  public Set<String> requiredHeaders() {
    return requiredHeaders;
  }

  /**
   * Accepted media types ({@code type/subtype}, lower case, parameters ignored when matching); empty means
   * any. A request with a body and no {@code Content-Type} is refused when this is not empty.
   */
  public Set<String> contentTypes() {
    return contentTypes;
  }

  /** The largest body accepted, in bytes; empty if the body is not limited (and not read). */
  public OptionalLong maxBodyBytes() {
    return maxBodyBytes < 0 ? OptionalLong.empty() : OptionalLong.of(maxBodyBytes);
  }

  /** Whether a body must be one well-formed JSON document (an empty body passes: nothing to parse). */
  public boolean json() {
    return json;
  }

  /** Whether any rule needs the body to be read. */
  public boolean readsBody() {
    return maxBodyBytes >= 0;
  }

  /** Whether there is no rule at all. */
  public boolean isEmpty() {
    return requiredHeaders.isEmpty() && contentTypes.isEmpty() && maxBodyBytes < 0;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof RequestRules other
        && requiredHeaders.equals(other.requiredHeaders)
        && contentTypes.equals(other.contentTypes)
        && maxBodyBytes == other.maxBodyBytes
        && json == other.json;
  }

  @Override
  public int hashCode() {
    return Objects.hash(requiredHeaders, contentTypes, maxBodyBytes, json);
  }

  @Override
  public String toString() {
    return "RequestRules[headers="
        + requiredHeaders
        + ", contentTypes="
        + contentTypes
        + ", maxBodyBytes="
        + (maxBodyBytes < 0 ? "unlimited" : String.valueOf(maxBodyBytes))
        + ", json="
        + json
        + "]";
  }

  /** Builds {@link RequestRules}; validates each value at once. Not thread-safe. */
  public static final class Builder {
    private final Set<String> headers = new LinkedHashSet<>();
    private final Set<String> types = new LinkedHashSet<>();
    private long maxBodyBytes = -1;
    private boolean json;

    private Builder() {}

    /**
     * Requires a header (names are case-insensitive).
     *
     * @throws IllegalArgumentException if the name is not an HTTP token or is already required
     */
    public Builder requireHeader(String name) {
      String lower = Grammar.httpToken("required header", name).toLowerCase(Locale.ROOT);
      if (!headers.add(lower)) {
        throw new IllegalArgumentException("required header '" + name + "' is listed twice");
      }
      return this;
    }

    /**
     * Accepts a media type, such as {@code application/json}; once any is set, others are refused.
     *
     * @throws IllegalArgumentException if it is not {@code type/subtype} of HTTP tokens, or listed twice
     */
    public Builder allowContentType(String mediaType) {
      int slash = mediaType.indexOf('/');
      if (slash <= 0 || slash == mediaType.length() - 1) {
        throw new IllegalArgumentException(
            "content type: must be type/subtype but was '" + mediaType + "'");
      }
      Grammar.httpToken("content type", mediaType.substring(0, slash));
      Grammar.httpToken("content type", mediaType.substring(slash + 1));
      if (!types.add(mediaType.toLowerCase(Locale.ROOT))) {
        throw new IllegalArgumentException("content type '" + mediaType + "' is listed twice");
      }
      return this;
    }

    /**
     * Limits the body, enforced while it streams in: a larger body is refused with {@link
     * Decision#CAUSE_BODY_TOO_LARGE} without ever holding more than {@code bytes + 1} bytes.
     *
     * @throws IllegalArgumentException if negative or above {@link RequestRules#MAX_BODY_BYTES}
     * @throws IllegalStateException if already set
     */
    public Builder maxBodyBytes(long bytes) {
      if (maxBodyBytes >= 0) {
        throw new IllegalStateException("maxBodyBytes was already set to " + maxBodyBytes);
      }
      maxBodyBytes = Checks.between("maxBodyBytes", bytes, 0, MAX_BODY_BYTES);
      return this;
    }

    /** Requires a body, if present, to be one well-formed JSON document; see {@link RequestRules}. */
    public Builder json() {
      json = true;
      return this;
    }

    /** The rules. */
    public RequestRules build() {
      long max = maxBodyBytes >= 0 ? maxBodyBytes : json ? DEFAULT_JSON_MAX_BODY_BYTES : -1;
      return new RequestRules(
          Collections.unmodifiableSet(new LinkedHashSet<>(headers)),
          Collections.unmodifiableSet(new LinkedHashSet<>(types)),
          max,
          json);
    }
  }
}
