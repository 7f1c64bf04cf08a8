package dev.agentlimiter.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares the scopes an endpoint requires: the caller's identity must hold <b>every</b> one, or the request
 * is refused with {@link Reason#FORBIDDEN} naming the first scope missing (403). An endpoint that requires a
 * scope also requires an identity: anonymous callers get {@link Reason#UNAUTHENTICATED}. On a type it
 * applies to every endpoint of the type; an annotation on a method replaces the type's.
 *
 * <pre>{@code
 * @RequireScope("dns:write")
 * public void updateRecord(...) { ... }
 * }</pre>
 *
 * <p>Scopes are RFC 6749 scope tokens: printable ASCII without spaces, quotes or backslashes, 1 to 128
 * characters; adapters validate them at startup (see {@link Route.Builder#requireScope}).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface RequireScope {

  /** The scopes required, all of them. */
  String[] value();
}
