package dev.agentlimiter.jwt;

import com.nimbusds.jwt.proc.BadJWTException;

/** A claims check failed with a known cause. Thrown and caught inside this package only; no stack trace. */
final class ClaimsRefusal extends BadJWTException {

  private static final long serialVersionUID = 1L;

  private final String cause;

  ClaimsRefusal(String cause) {
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
