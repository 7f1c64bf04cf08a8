package dev.agentlimiter.jwt;

import com.nimbusds.jose.KeySourceException;

/**
 * Key selection failed with a known cause. Thrown and caught inside this package only; no stack trace. A
 * {@link KeySourceException} because that is all a nimbus key selector may throw.
 */
final class KeyRefusal extends KeySourceException {

  private static final long serialVersionUID = 1L;

  private final String cause;

  KeyRefusal(String cause) {
    super(cause);
    this.cause = cause;
  }

  /** One of the causes of {@link JwtIdentityResolver}. */
  String refusalCause() {
    return cause;
  }

  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }
}
