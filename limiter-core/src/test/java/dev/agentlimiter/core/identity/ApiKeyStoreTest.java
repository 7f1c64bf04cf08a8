package dev.agentlimiter.core.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.ApiKeyHash;
import dev.agentlimiter.api.IdentityResult;
import dev.agentlimiter.api.IdentitySource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** API keys: hashes only, distinct causes, two live keys per agent, no state from bad keys. */
class ApiKeyStoreTest {

  private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");
  private static final AgentIdentity AGENT =
      AgentIdentity.of("agent-7", IdentitySource.API_KEY).withTier("pro").withScopes(Set.of("dns:write"));
  private static final String KEY = "ak_live_4f9c2e7b1a8d6053c9e1";

  private final MutableClock clock = new MutableClock(NOW);

  private static InMemoryApiKeyStore newStore(MutableClock clock) {
    return InMemoryApiKeyStore.create(clock);
  }

  /** Resolves {@code key} presented as a bearer token at {@code now}. */
  private IdentityResult resolve(InMemoryApiKeyStore store, String key, Instant now) {
    clock.set(now);
    return IdentityResolvers.apiKeys(store, "Authorization", clock)
        .resolve(new FakeRequest("192.0.2.1").header("Authorization", "Bearer " + key));
  }

  private void add(InMemoryApiKeyStore store, String key, @Nullable Instant expiresAt, Instant now) {
    clock.set(now);
    store.add(ApiKeyHash.of(key), AGENT, expiresAt);
  }

  @Test
  void aKeyResolvesToItsIdentityAndEveryFailureHasItsCause() {
    InMemoryApiKeyStore table = newStore(clock);
    add(table, KEY, NOW.plus(Duration.ofDays(30)), NOW);
    assertThat(resolve(table, KEY, NOW)).isEqualTo(new IdentityResult.Identified(AGENT));
    assertThat(resolve(table, KEY + "x", NOW)).isEqualTo(new IdentityResult.Rejected("unknown-key"));
    assertThat(resolve(table, "", NOW)).isEqualTo(new IdentityResult.Rejected("malformed"));
    assertThat(resolve(table, "ak live", NOW)).isEqualTo(new IdentityResult.Rejected("malformed"));
    assertThat(resolve(table, KEY + "\r\nX-Injected: 1", NOW)).isEqualTo(new IdentityResult.Rejected("malformed"));
    assertThat(resolve(table, "k".repeat(513), NOW)).isEqualTo(new IdentityResult.Rejected("malformed"));
    assertThat(resolve(table, KEY, NOW.plus(Duration.ofDays(30)))).isEqualTo(new IdentityResult.Rejected("expired"));
    assertThat(resolve(table, KEY, NOW.plus(Duration.ofDays(30)).minusNanos(1))).isInstanceOf(IdentityResult.Identified.class);
    assertThat(table.revoke(KEY)).isTrue();
    assertThat(table.revoke(KEY)).isFalse();
    assertThat(resolve(table, KEY, NOW)).isEqualTo(new IdentityResult.Rejected("revoked"));
  }

  @Test
  void twoLiveKeysAllowRotationAndAThirdIsRefused() {
    InMemoryApiKeyStore table = newStore(clock);
    add(table, KEY, null, NOW);
    add(table, KEY + "-next", null, NOW);
    assertThatThrownBy(() -> add(table, KEY + "-third", null, NOW))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("agent 'agent-7' already has 2 live api keys; revoke one before adding another");
    table.revoke(KEY);
    add(table, KEY + "-third", null, NOW);
    assertThat(resolve(table, KEY + "-next", NOW)).isInstanceOf(IdentityResult.Identified.class);
    assertThat(resolve(table, KEY + "-third", NOW)).isInstanceOf(IdentityResult.Identified.class);
    // an expired key is not live either
    InMemoryApiKeyStore expiring = newStore(clock);
    add(expiring, KEY, NOW.plusSeconds(1), NOW);
    add(expiring, KEY + "-2", null, NOW);
    add(expiring, KEY + "-3", null, NOW.plusSeconds(1));
  }

  @Test
  void weakOrReusedKeysAreRefusedWithoutShowingThem() {
    InMemoryApiKeyStore table = newStore(clock);
    assertThatThrownBy(() -> add(table, "short-key-123", null, NOW))
        .hasMessage(
            "api key: must be 20 to 512 printable ASCII characters without spaces (the key itself is not shown)");
    assertThatThrownBy(() -> add(table, "ä".repeat(30), null, NOW)).hasMessageNotContaining("ä");
    add(table, KEY, null, NOW);
    AgentIdentity other = AgentIdentity.of("other", IdentitySource.API_KEY);
    assertThatThrownBy(() -> table.add(ApiKeyHash.of(KEY), other, null))
        .hasMessage("api key for 'other': this key is already in use (the key itself is not shown)")
        .hasMessageNotContaining(KEY);
  }

  /** A flood of invalid keys creates no state at all. */
  @Test
  void badKeysCreateNoState() {
    InMemoryApiKeyStore table = newStore(clock);
    add(table, KEY, null, NOW);
    SplittableRandom random = new SplittableRandom(3);
    for (int i = 0; i < 100_000; i++) {
      String guess = "ak_live_" + Long.toHexString(random.nextLong()) + Long.toHexString(random.nextLong());
      assertThat(resolve(table, guess, NOW)).isEqualTo(new IdentityResult.Rejected("unknown-key"));
    }
    assertThat(table.size()).isEqualTo(1);
  }

  /** Sixteen threads adding keys for one agent at once: exactly two win. */
  @Test
  void concurrentAddsRespectTheLiveLimit() throws InterruptedException {
    InMemoryApiKeyStore table = newStore(clock);
    CountDownLatch start = new CountDownLatch(1);
    AtomicInteger added = new AtomicInteger();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 16; t++) {
      String key = KEY + "-thread-" + t;
      Thread thread =
          new Thread(
              () -> {
                try {
                  start.await();
                  add(table, key, null, NOW);
                  added.incrementAndGet();
                } catch (IllegalStateException expected) {
                  // the third and later
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              });
      threads.add(thread);
      thread.start();
    }
    start.countDown();
    for (Thread t : threads) {
      t.join();
    }
    assertThat(added.get()).isEqualTo(2);
    assertThat(table.size()).isEqualTo(2);
  }

  /** Any added key resolves to its agent until revoked; any other string is unknown or malformed. */
  @Property(tries = 300)
  void keysResolveExactly(
      @ForAll @Size(min = 1, max = 2) List<@StringLength(min = 20, max = 64) @CharRange(from = '!', to = '~') String> keys,
      @ForAll @StringLength(max = 80) String other) {
    InMemoryApiKeyStore table = newStore(clock);
    if (keys.size() == 2 && keys.get(0).equals(keys.get(1))) {
      return;
    }
    for (String k : keys) {
      add(table, k, null, NOW);
    }
    for (String k : keys) {
      assertThat(resolve(table, k, NOW)).isEqualTo(new IdentityResult.Identified(AGENT));
    }
    if (!keys.contains(other)) {
      assertThat(resolve(table, other, NOW)).isInstanceOf(IdentityResult.Rejected.class);
    }
    table.revoke(keys.get(0));
    assertThat(resolve(table, keys.get(0), NOW)).isEqualTo(new IdentityResult.Rejected("revoked"));
  }
}
