package dev.agentlimiter.jaxrs;

import dev.agentlimiter.api.RequestView;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.SecurityContext;
import java.io.InputStream;
import java.security.Principal;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** The engine's view of a Jakarta REST request. One per request, used on the request's thread. */
final class JaxRsRequestView implements RequestView {

  /** The Servlet attribute of a verified client certificate chain, a request property on servlet hosting. */
  static final String CERTIFICATES = "jakarta.servlet.request.X509Certificate";

  private final ContainerRequestContext request;
  private final Host host;
  private @Nullable String path;

  JaxRsRequestView(ContainerRequestContext request, Host host) {
    this.request = request;
    this.host = host;
  }

  /** A view whose {@link #path()} is {@code path} (the admin endpoint's raw path), not the route table's. */
  JaxRsRequestView(ContainerRequestContext request, Host host, String path) {
    this(request, host);
    this.path = path;
  }

  @Override
  public String method() {
    return request.getMethod();
  }

  @Override
  public String path() {
    String p = path;
    if (p == null) {
      p = LimitingFilter.pathOf(request.getUriInfo());
      path = p;
    }
    return p;
  }

  @Override
  public @Nullable String query() {
    return request.getUriInfo().getRequestUri().getRawQuery();
  }

  @Override
  public @Nullable String header(String name) {
    return request.getHeaders().getFirst(name);
  }

  @Override
  public List<String> headers(String name) {
    List<String> values = request.getHeaders().get(name);
    return values == null ? List.of() : Collections.unmodifiableList(values);
  }

  @Override
  public String remoteAddress() {
    return host.remoteAddress(request);
  }

  /** The principal of the request's {@code SecurityContext}, as the authentication filters left it. */
  @Override
  public Optional<Principal> principal() {
    SecurityContext security = request.getSecurityContext();
    return security == null ? Optional.empty() : Optional.ofNullable(security.getUserPrincipal());
  }

  @Override
  public List<X509Certificate> clientCertificates() {
    return request.getProperty(CERTIFICATES) instanceof X509Certificate[] chain && chain.length > 0
        ? List.of(chain)
        : List.of();
  }

  /** The implementation's entity stream, unread; the filter replaces it with the admission's replay. */
  @Override
  public InputStream body() {
    return request.getEntityStream();
  }
}
