package dev.agentlimiter.jwt;

import static dev.agentlimiter.jwt.Keys.AUDIENCE;
import static dev.agentlimiter.jwt.Keys.EC;
import static dev.agentlimiter.jwt.Keys.ISSUER;
import static dev.agentlimiter.jwt.Keys.NOW;
import static dev.agentlimiter.jwt.Keys.RSA;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.IdentityResult;
import dev.agentlimiter.api.IdentitySource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** 16 threads resolve valid and invalid tokens through one resolver with a small verified-token cache. */
class JwtConcurrencyTest {

  private record Case(String token, IdentityResult expected) {}

  @Test
  void sixteenThreadsAlwaysGetTheRightAnswer() throws Exception {
    MutableClock clock = new MutableClock(NOW);
    JwtIdentityResolver resolver =
        JwtIdentityResolver.newBuilder()
            .issuer(ISSUER)
            .audience(AUDIENCE)
            .allowedAlgorithms("RS256", "ES256")
            .keys(Keys.publicSet(RSA, EC))
            .verifiedTokenCache(8) // smaller than the valid tokens: entries are evicted all the time
            .clock(clock)
            .build();
    List<Case> cases = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      String agent = "agent-" + i;
      String token = i % 2 == 0
          ? Keys.rs256(Keys.claims().subject(agent).build())
          : Keys.es256(Keys.claims().subject(agent).build());
      cases.add(new Case(token, new IdentityResult.Identified(AgentIdentity.of(agent, IdentitySource.JWT))));
      String[] parts = token.split("\\.", -1);
      String other = Keys.rs256(Keys.claims().subject(agent + "-admin").build()).split("\\.", -1)[1];
      cases.add(new Case(parts[0] + "." + other + "." + parts[2],
          new IdentityResult.Rejected(JwtIdentityResolver.BAD_SIGNATURE)));
    }
    cases.add(new Case(Keys.rs256(c -> c.expirationTime(Date.from(NOW.minus(Duration.ofHours(1))))),
        new IdentityResult.Rejected(JwtIdentityResolver.EXPIRED)));
    cases.add(new Case(Keys.es256(Keys.claims().issuer("https://evil.example").build()),
        new IdentityResult.Rejected(JwtIdentityResolver.WRONG_ISSUER)));
    cases.add(new Case(Keys.sign(Keys.RSA_2, JWSAlgorithm.RS256, Keys.claims().build()),
        new IdentityResult.Rejected(JwtIdentityResolver.UNKNOWN_KEY)));
    cases.add(new Case(new com.nimbusds.jwt.PlainJWT(Keys.claims().build()).serialize(),
        new IdentityResult.Rejected(JwtIdentityResolver.ALGORITHM_NOT_ALLOWED)));

    int threads = 16;
    CountDownLatch start = new CountDownLatch(1);
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        SplittableRandom random = new SplittableRandom(t);
        futures.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < 300; i++) {
            Case c = cases.get(random.nextInt(cases.size()));
            IdentityResult actual = resolver.resolve(TestRequest.bearer(c.token()));
            if (!actual.equals(c.expected())) {
              failures.add(c.expected() + " but was " + actual);
            }
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(failures).isEmpty();
    assertThat(resolver.verifiedTokenCacheSize()).isLessThanOrEqualTo(8);
  }
}
