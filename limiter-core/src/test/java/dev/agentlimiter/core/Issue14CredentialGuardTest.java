package dev.agentlimiter.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.Admission;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.IdentityResolver;
import dev.agentlimiter.api.IdentityResult;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.api.RequestView;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.http.HttpResponses;
import dev.agentlimiter.core.identity.IdentityResolvers;
import dev.agentlimiter.core.identity.InMemoryApiKeyStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, item 1: the credential-failure guard is consulted before any credential is checked. Before the
 * fix, an address that had failed 20 keys had its 21st credential checked (and served, if right): the
 * address was listed as refused only once a failure's own charge was refused, after the check.
 */
class Issue14CredentialGuardTest {

  private static final String VALID = "ak_valid_7c1e9b3a5d2f40e8a6c4";
  private static final Policy API =
      Policy.named("api").limit(Limit.capacity(1_000_000).refill(1_000_000).per(Duration.ofSeconds(1))).build();
  private static final Route ROUTE = Route.of(API);
  private static final long ALLOWANCE = 20; // the default: 20 at once, then 20 a minute
  private static final long MINUTE = Duration.ofMinutes(1).toNanos();

  private final FakeTimeSource time = new FakeTimeSource(1_000_000_000L);
  /** Every credential checked: a call of the resolver. */
  private final AtomicInteger lookups = new AtomicInteger();
  /** The credentials checked and rejected. */
  private final AtomicInteger wrongLookups = new AtomicInteger();

  private AgentLimiter limiter() {
    InMemoryApiKeyStore keys =
        InMemoryApiKeyStore.create().add(VALID, AgentIdentity.of("agent", IdentitySource.API_KEY));
    IdentityResolver apiKeys = IdentityResolvers.apiKeys(keys);
    IdentityResolver counting =
        request -> {
          lookups.incrementAndGet();
          IdentityResult result = apiKeys.resolve(request);
          if (result instanceof IdentityResult.Rejected) {
            wrongLookups.incrementAndGet();
          }
          return result;
        };
    return AgentLimiters.newBuilder().timeSource(time).identity(counting).build();
  }

  /** A well-formed key that is not in the store. */
  private static String wrong(int n) {
    return String.format(java.util.Locale.ROOT, "ak_wrong_%020d", n);
  }

  private static RequestView request(String peer, String key) {
    return HttpRequestStub.get("/v1/zones").peer(peer).header("Authorization", "Bearer " + key).build();
  }

  private static Decision decide(AgentLimiter limiter, RequestView request) {
    try (Admission admission = limiter.admit(request, ROUTE)) {
      return admission.decision();
    }
  }

  @Test
  void afterTwentyFailuresTheValidKeyIsRefusedWithoutBeingChecked() throws IOException {
    AgentLimiter limiter = limiter();
    for (int i = 0; i < 20; i++) {
      assertThat(decide(limiter, request("192.0.2.1", wrong(i))).reason())
          .isEqualTo(Reason.UNAUTHENTICATED);
    }
    assertThat(lookups).hasValue(20);
    Decision right = decide(limiter, request("192.0.2.1", VALID));
    assertThat(right.reason()).as("the right key, from an exhausted address").isEqualTo(Reason.RATE_LIMITED);
    assertThat(right.policy()).contains(AgentLimiters.CREDENTIAL_FAILURES_POLICY);
    assertThat(right.retryAfter()).isEqualTo(Duration.ofSeconds(3)); // one token of 20 a minute
    assertThat(lookups).as("no lookup for a refused address").hasValue(20);
    assertThat(Files.readString(Path.of("../docs/http-contract.md"), StandardCharsets.UTF_8))
        .as("the documented body is the real one")
        .contains(new String(HttpResponses.problemBody(right), StandardCharsets.UTF_8));
    for (int i = 20; i < 30; i++) {
      assertThat(decide(limiter, request("192.0.2.1", wrong(i))).reason()).isEqualTo(Reason.RATE_LIMITED);
    }
    assertThat(lookups).as("30 guesses, 20 checked").hasValue(20);

    // another address is not affected, and waiting the exact retry-after lets one check through
    assertThat(decide(limiter, request("192.0.2.2", VALID)).isAllowed()).isTrue();
    time.advance(right.retryAfter().minusNanos(1));
    assertThat(decide(limiter, request("192.0.2.1", VALID)).reason()).isEqualTo(Reason.RATE_LIMITED);
    time.advanceNanos(1);
    assertThat(decide(limiter, request("192.0.2.1", VALID)).isAllowed()).isTrue();
  }

  @Test
  void aGuessEvery500MillisecondsForTenMinutesIsCheckedAtMost220Times() {
    AgentLimiter limiter = limiter();
    int guesses = 0;
    for (long t = 0; t <= Duration.ofMinutes(10).toMillis(); t += 500) {
      decide(limiter, request("192.0.2.1", wrong(guesses++)));
      time.advance(Duration.ofMillis(500));
    }
    assertThat(guesses).isEqualTo(1201);
    assertThat(lookups.get()).isLessThanOrEqualTo(220).isGreaterThanOrEqualTo(219);
  }

  @Test
  void validCredentialsAreNotCharged() {
    AgentLimiter limiter = limiter();
    for (int i = 0; i < 1_000; i++) {
      assertThat(decide(limiter, request("192.0.2.1", VALID)).isAllowed()).isTrue();
    }
    for (int i = 0; i < 20; i++) {
      assertThat(decide(limiter, request("192.0.2.1", wrong(i))).reason())
          .as("an address that only sent valid keys still has its whole allowance")
          .isEqualTo(Reason.UNAUTHENTICATED);
    }
  }

  /**
   * Any sequence of right and wrong credentials from one address, at any spacing: the rejected credentials
   * checked within any window {@code [a, b]} are at most {@code 20 + floor((b - a) * 20 / 1 min)}, the token
   * bucket's allowance; a request is answered without a check exactly when the guard says the address is
   * exhausted; and every valid credential that was checked was admitted.
   */
  @Property(tries = 300)
  void rejectedChecksNeverExceedTheAllowanceInAnyWindow(
      @ForAll @Size(min = 1, max = 300) List<@LongRange(min = 0, max = 10_000_000_000L) Long> gaps,
      @ForAll @Size(min = 300, max = 300) List<@IntRange(min = 0, max = 9) Integer> kinds) {
    lookups.set(0);
    wrongLookups.set(0);
    AgentLimiter limiter = limiter();
    List<Long> rejectedAt = new ArrayList<>();
    for (int i = 0; i < gaps.size(); i++) {
      time.advanceNanos(gaps.get(i));
      boolean right = kinds.get(i) == 0;
      int before = lookups.get();
      Decision d = decide(limiter, request("198.51.100.7", right ? VALID : wrong(i)));
      boolean checked = lookups.get() > before;
      if (d.reason() == Reason.RATE_LIMITED) {
        assertThat(checked).as("a refused address is not checked").isFalse();
      } else {
        assertThat(checked).isTrue();
        assertThat(d.isAllowed()).isEqualTo(right);
      }
      if (checked && !right) {
        rejectedAt.add(time.read());
      }
    }
    for (int a = 0; a < rejectedAt.size(); a++) {
      for (int b = a; b < rejectedAt.size(); b++) {
        long span = rejectedAt.get(b) - rejectedAt.get(a);
        long allowed = ALLOWANCE + span / (MINUTE / ALLOWANCE); // one token every 3 s
        assertThat((long) (b - a + 1))
            .as("rejected checks in a window of %s ns", span)
            .isLessThanOrEqualTo(allowed);
      }
    }
  }

  /** Runs {@code requests} of 64 threads at once from one address; returns how many were refused 429. */
  private static int storm(AgentLimiter limiter, String peer, int perThread, java.util.function.IntFunction<String> key)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(64);
    CountDownLatch start = new CountDownLatch(1);
    AtomicInteger refused = new AtomicInteger();
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 64; t++) {
        int thread = t;
        done.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int i = 0; i < perThread; i++) {
                    if (decide(limiter, request(peer, key.apply(thread * 1000 + i))).reason() == Reason.RATE_LIMITED) {
                      refused.incrementAndGet();
                    }
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    return refused.get();
  }

  /**
   * An address with a failure on record, then 64 threads guessing at once (one request in seven with the
   * valid key), with the clock frozen: exactly the 19 tokens left are spent on wrong keys, never one more.
   */
  @Test
  void concurrentGuessesFromAnAddressOnRecordAreCheckedWithinTheAllowance() throws Exception {
    AgentLimiter limiter = limiter();
    assertThat(decide(limiter, request("203.0.113.9", wrong(999_999))).reason()).isEqualTo(Reason.UNAUTHENTICATED);
    int refused = storm(limiter, "203.0.113.9", 50, n -> n % 7 == 0 ? VALID : wrong(n));
    assertThat(wrongLookups).as("wrong keys checked: 1, then 19 of 2,688 sent at once").hasValue(20);
    assertThat(refused).isGreaterThanOrEqualTo(64 * 50 - 19 - 64 * 8);
    assertThat(decide(limiter, request("203.0.113.9", VALID)).reason()).isEqualTo(Reason.RATE_LIMITED);
  }

  /**
   * An address with no failure on record is checked without a reservation: its first wave of concurrent
   * wrong keys may exceed the burst by the checks it had running at once (here at most 64, one per thread),
   * and once the failures land it is held to the allowance.
   */
  @Test
  void aCleanAddressFirstWaveExceedsTheBurstByAtMostItsConcurrency() throws Exception {
    AgentLimiter limiter = limiter();
    storm(limiter, "203.0.113.10", 50, Issue14CredentialGuardTest::wrong);
    assertThat(wrongLookups.get()).isBetween(20, 20 + 64);
    int before = lookups.get();
    assertThat(decide(limiter, request("203.0.113.10", VALID)).reason()).isEqualTo(Reason.RATE_LIMITED);
    assertThat(lookups.get()).isEqualTo(before);
  }

  /**
   * 50 requests with the valid key from one address, all inside a slow resolver at once (a remote key
   * store, a JWKS fetch): none is refused, since no credential failed.
   */
  @Test
  void validCredentialsCheckedAtOnceAreNeverRefused() throws Exception {
    InMemoryApiKeyStore keys =
        InMemoryApiKeyStore.create().add(VALID, AgentIdentity.of("agent", IdentitySource.API_KEY));
    IdentityResolver apiKeys = IdentityResolvers.apiKeys(keys);
    CountDownLatch inside = new CountDownLatch(50);
    CountDownLatch answer = new CountDownLatch(1);
    IdentityResolver slow =
        request -> {
          inside.countDown();
          try {
            answer.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return apiKeys.resolve(request);
        };
    AgentLimiter limiter = AgentLimiters.newBuilder().timeSource(time).identity(slow).build();
    ExecutorService pool = Executors.newFixedThreadPool(50);
    try {
      List<Future<Decision>> done = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        done.add(pool.submit(() -> decide(limiter, request("192.0.2.50", VALID))));
      }
      assertThat(inside.await(30, TimeUnit.SECONDS)).as("50 checks at once").isTrue();
      answer.countDown();
      for (Future<Decision> f : done) {
        assertThat(f.get(30, TimeUnit.SECONDS).isAllowed()).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
