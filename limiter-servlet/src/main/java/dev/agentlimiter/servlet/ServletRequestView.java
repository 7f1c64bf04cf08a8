package dev.agentlimiter.servlet;

import dev.agentlimiter.api.RequestView;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.security.Principal;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** The engine's view of a servlet request. One per request, used on the request's thread. */
final class ServletRequestView implements RequestView {

  static final String CERTIFICATES = "jakarta.servlet.request.X509Certificate";

  private final HttpServletRequest request;
  private final String path;

  ServletRequestView(HttpServletRequest request, String path) {
    this.request = request;
    this.path = path;
  }

  @Override
  public String method() {
    return request.getMethod();
  }

  @Override
  public String path() {
    return path;
  }

  @Override
  public @Nullable String query() {
    return request.getQueryString();
  }

  @Override
  public @Nullable String header(String name) {
    return request.getHeader(name);
  }

  @Override
  public List<String> headers(String name) {
    Enumeration<String> values = request.getHeaders(name);
    if (values == null || !values.hasMoreElements()) {
      return List.of();
    }
    String first = values.nextElement();
    if (!values.hasMoreElements()) {
      return List.of(first);
    }
    List<String> out = new ArrayList<>(2);
    out.add(first);
    while (values.hasMoreElements()) {
      out.add(values.nextElement());
    }
    return Collections.unmodifiableList(out);
  }

  @Override
  public String remoteAddress() {
    String address = request.getRemoteAddr();
    return address == null ? "" : address;
  }

  @Override
  public Optional<Principal> principal() {
    return Optional.ofNullable(request.getUserPrincipal());
  }

  @Override
  public List<X509Certificate> clientCertificates() {
    return request.getAttribute(CERTIFICATES) instanceof X509Certificate[] chain && chain.length > 0
        ? List.of(chain)
        : List.of();
  }

  /** The container's byte stream; never a {@code Reader}. */
  @Override
  public InputStream body() throws IOException {
    return request.getInputStream();
  }
}
