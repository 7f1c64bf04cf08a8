package dev.agentlimiter.core;

import dev.agentlimiter.api.RequestView;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * A {@link RequestView} built by hand for tests: method, path, query, peer, headers (names case-insensitive,
 * repeatable, in insertion order), a body given as bytes or as a stream supplier, a principal and client
 * certificates. Immutable once built; {@link #body()} opens a fresh stream from the supplier on each call
 * and counts the calls ({@link #bodyOpens()}), so a test can assert that the engine never opened the body.
 *
 * <pre>{@code
 * HttpRequestStub request = HttpRequestStub.post("/v1/tasks")
 *     .header("Content-Type", "application/json")
 *     .body("{\"a\":1}")
 *     .build();
 * }</pre>
 */
public final class HttpRequestStub implements RequestView {

  /** Opens a body stream; may throw, like a container that cannot provide the body. */
  @FunctionalInterface
  public interface BodySource {
    InputStream open() throws IOException;
  }

  private final String method;
  private final String path;
  private final @Nullable String query;
  private final String peer;
  private final Map<String, List<String>> headers;
  private final BodySource body;
  private final @Nullable Principal principal;
  private final List<X509Certificate> certificates;
  private int bodyOpens;

  private HttpRequestStub(Builder b) {
    this.method = b.method;
    this.path = b.path;
    this.query = b.query;
    this.peer = b.peer;
    TreeMap<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    b.headers.forEach((name, values) -> copy.put(name, List.copyOf(values)));
    this.headers = copy;
    this.body = b.body;
    this.principal = b.principal;
    this.certificates = List.copyOf(b.certificates);
  }

  /** A builder for {@code GET /} from {@code 192.0.2.1}, no header, an empty body. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder for {@code GET path}. */
  public static Builder get(String path) {
    return builder().method("GET").path(path);
  }

  /** A builder for {@code POST path}. */
  public static Builder post(String path) {
    return builder().method("POST").path(path);
  }

  @Override
  public String method() {
    return method;
  }

  @Override
  public String path() {
    return path;
  }

  @Override
  public @Nullable String query() {
    return query;
  }

  @Override
  public @Nullable String header(String name) {
    List<String> values = headers.get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  @Override
  public List<String> headers(String name) {
    List<String> values = headers.get(name);
    return values == null ? List.of() : values;
  }

  @Override
  public String remoteAddress() {
    return peer;
  }

  @Override
  public Optional<Principal> principal() {
    return Optional.ofNullable(principal);
  }

  @Override
  public List<X509Certificate> clientCertificates() {
    return certificates;
  }

  @Override
  public InputStream body() throws IOException {
    bodyOpens++;
    return body.open();
  }

  /** How many times {@link #body()} was called. */
  public int bodyOpens() {
    return bodyOpens;
  }

  @Override
  public String toString() {
    return "HttpRequestStub[" + method + " " + path + (query == null ? "" : "?" + query) + "]";
  }

  /** Builds an {@link HttpRequestStub}. Not thread-safe. */
  public static final class Builder {
    private String method = "GET";
    private String path = "/";
    private @Nullable String query;
    private String peer = "192.0.2.1";
    private final Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    private BodySource body = InputStream::nullInputStream;
    private @Nullable Principal principal;
    private final List<X509Certificate> certificates = new ArrayList<>();

    private Builder() {}

    public Builder method(String value) {
      method = value.toUpperCase(Locale.ROOT);
      return this;
    }

    public Builder path(String value) {
      path = value;
      return this;
    }

    public Builder query(@Nullable String value) {
      query = value;
      return this;
    }

    /** The direct peer's address, as the container reports it. */
    public Builder peer(String value) {
      peer = value;
      return this;
    }

    /** Adds a value to a header (names are case-insensitive; repeated calls add values in order). */
    public Builder header(String name, String value) {
      headers.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
      return this;
    }

    /** Adds several values to a header, in order. */
    public Builder headers(String name, String... values) {
      for (String value : values) {
        header(name, value);
      }
      return this;
    }

    /** Removes every value of a header. */
    public Builder removeHeader(String name) {
      headers.remove(name);
      return this;
    }

    /** The body as bytes; does not set {@code Content-Length}. */
    public Builder body(byte[] bytes) {
      byte[] copy = bytes.clone();
      body = () -> new ByteArrayInputStream(copy);
      return this;
    }

    /** The body as UTF-8 text; does not set {@code Content-Length}. */
    public Builder body(String text) {
      return body(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The body as bytes, with a matching {@code Content-Length}. */
    public Builder bodyWithLength(byte[] bytes) {
      return body(bytes).header("Content-Length", String.valueOf(bytes.length));
    }

    /** The body from a source called on each {@link RequestView#body()}. */
    public Builder body(BodySource source) {
      body = Objects.requireNonNull(source, "source");
      return this;
    }

    /** The body as one given stream (returned by every {@link RequestView#body()} call). */
    public Builder bodyStream(InputStream stream) {
      Objects.requireNonNull(stream, "stream");
      body = () -> stream;
      return this;
    }

    public Builder principal(@Nullable Principal value) {
      principal = value;
      return this;
    }

    /** A principal with the given name. */
    public Builder principal(String name) {
      return principal(new NamedPrincipal(name));
    }

    public Builder clientCertificates(X509Certificate... chain) {
      certificates.clear();
      certificates.addAll(List.of(chain));
      return this;
    }

    public HttpRequestStub build() {
      return new HttpRequestStub(this);
    }
  }

  /** A principal that is just a name. */
  record NamedPrincipal(String getName) implements Principal {}
}
