package dev.agentlimiter.api;

import java.io.IOException;
import java.io.InputStream;
import java.security.Principal;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A read-only view of an HTTP request that adapters hand to the engine ({@link AgentLimiter#enter(RequestView,
 * Route)}) and the engine hands to {@link IdentityResolver}s. Implementations are used on one thread, for
 * the duration of one request.
 */
@Beta
public interface RequestView {

  /** The HTTP method, upper case. */
  String method();

  /** The request path, without query string. */
  String path();

  /** The first value of a header (names are case-insensitive), or {@code null}. */
  @Nullable String header(String name);

  /** Every value of a header, in order; empty if absent. */
  List<String> headers(String name);

  /** The address of the direct peer (the socket), as the container reports it. */
  String remoteAddress();

  /** The principal the container or application authenticated, if any. */
  Optional<Principal> principal();

  /** The raw query string, without the {@code '?'}, or {@code null} if there is none. */
  default @Nullable String query() {
    return null;
  }

  /**
   * The client certificate chain the container verified during the TLS handshake, the client's own first;
   * empty if the connection is not mutual TLS.
   */
  default List<X509Certificate> clientCertificates() {
    return List.of();
  }

  /**
   * The request body as bytes. The engine opens it at most once per request, only when the route's
   * {@link RequestRules} or loop detection need it, reads at most a bounded prefix, and hands the
   * application a replay through {@link Admission#replayBody()}. Adapters return the container's stream
   * unread; never a {@code Reader}.
   *
   * @throws IOException if the container cannot provide the body
   */
  default InputStream body() throws IOException {
    return InputStream.nullInputStream();
  }
}
