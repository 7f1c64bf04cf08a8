package dev.agentlimiter.api;

import java.security.Principal;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A read-only view of an HTTP request that adapters hand to {@link IdentityResolver}s. Implementations are
 * used on one thread, for the duration of one request.
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
}
