package dev.agentlimiter.jwt;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSetCacheRefreshEvaluator;
import com.nimbusds.jose.jwk.source.JWKSetSource;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.SecurityContext;
import java.time.Clock;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * nimbus's {@code JWKSetBasedJWKSource} reading the injected clock instead of the system's, so the JWK set
 * cache, its refresh-ahead and its refetch rate limit follow the same time as the claims checks: a key
 * that is not in the cached set causes one refetch (subject to the rate limit), then no match. Thread-safe
 * as the wrapped caching source is.
 */
final class ClockedJwkSource implements JWKSource<SecurityContext> {

  private final JWKSetSource<SecurityContext> source;
  private final Clock clock;

  ClockedJwkSource(JWKSetSource<SecurityContext> source, Clock clock) {
    this.source = source;
    this.clock = clock;
  }

  @Override
  public List<JWK> get(JWKSelector selector, @Nullable SecurityContext context) throws KeySourceException {
    long now = clock.millis();
    JWKSet cached = source.getJWKSet(JWKSetCacheRefreshEvaluator.noRefresh(), now, context);
    List<JWK> matches = selector.select(cached);
    if (!matches.isEmpty()) {
      return matches;
    }
    JWKSet fresh;
    try {
      fresh = source.getJWKSet(JWKSetCacheRefreshEvaluator.referenceComparison(cached), now, context);
    } catch (RateLimitReachedException e) {
      return List.of(); // refetched recently: the key is unknown
    }
    return selector.select(fresh);
  }
}
