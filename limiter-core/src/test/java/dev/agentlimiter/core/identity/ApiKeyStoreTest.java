package dev.agentlimiter.core.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentlimiter.api.AgentIdentity;
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
import org.junit.jupiter.api.Test;

/** API keys: hashes only, distinct causes, two live keys per agent, no state from bad keys. */
class ApiKeyTableTest {

  private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");
  private static final AgentIdentity AGENT =
      AgentIdentity.of("agent-7", IdentitySource.API_KEY).withTier("pro").withScopes(Set.of("dns:write"));
  private static final String KEY = "ak_live_4f9c2e7b1a8d6053c9e1";

  @Test
  void aKeyResolvesToItsIdentityAndEveryFailureHasItsCause() {
    ApiKeyTable table = new ApiKeyTable();
    table.add(KEY, AGENT, NOW.plus(Duration.ofDays(30)), NOW);
    assertThat(table.resolve(KEY, NOW)).isEqualTo(new IdentityResult.Identified(AGENT));
    assertThat(table.resolve(KEY + "x", NOW)).isEqualTo(new IdentityResult.Rejected("unknown-key"));
    assertThat(table.resolve("", NOW)).isEqualTo(new IdentityResult.Rejected("malformed"));
    assertThat(table.resolve("ak live", NOW)).isEqualTo(new IdentityResult.Rejected("malformed"));
    assertThat(table.resolve(KEY + "\r\nX-Injected: 1", NOW)).isEqualTo(new IdentityResult.Rejected("malformed"));
    assertThat(table.resolve("k".repeat(513), NOW)).isEqualTo(new IdentityResult.Rejected("malformed"));
    assertThat(table.resolve(KEY, NOW.plus(Duration.ofDays(30)))).isEqualTo(new IdentityResult.Rejected("expired"));
    assertThat(table.resolve(KEY, NOW.plus(Duration.ofDays(30)).minusNanos(1))).isInstanceOf(IdentityResult.Identified.class);
    assertThat(table.revoke(KEY)).isTrue();
    assertThat(table.revoke(KEY)).isFalse();
    assertThat(table.resolve(KEY, NOW)).isEqualTo(new IdentityResult.Rejected("revoked"));
  }

  @Test
  void twoLiveKeysAllowRotationAndAThirdIsRefused() {
    ApiKeyTable table = new ApiKeyTable();
    table.add(KEY, AGENT, null, NOW);
    table.add(KEY + "-next", AGENT, null, NOW);
    assertThatThrownBy(() -> table.add(KEY + "-third", AGENT, null, NOW))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("agent 'agent-7' already has 2 live api keys; revoke one before adding another");
    table.revoke(KEY);
    table.add(KEY + "-third", AGENT, null, NOW);
    assertThat(table.resolve(KEY + "-next", NOW)).isInstanceOf(IdentityResult.Identified.class);
    assertThat(table.resolve(KEY + "-third", NOW)).isInstanceOf(IdentityResult.Identified.class);
    // an expired key is not live either
    ApiKeyTable expiring = new ApiKeyTable();
    expiring.add(KEY, AGENT, NOW.plusSeconds(1), NOW);
    expiring.add(KEY + "-2", AGENT, null, NOW);
    expiring.add(KEY + "-3", AGENT, null, NOW.plusSeconds(1));
  }

  @Test
  void weakOrReusedKeysAreRefusedWithoutShowingThem() {
    ApiKeyTable table = new ApiKeyTable();
    assertThatThrownBy(() -> table.add("short-key-123", AGENT, null, NOW))
        .hasMessage(
            "api key for 'agent-7': must be 20 to 512 printable ASCII characters (the key itself is not shown)");
    assertThatThrownBy(() -> table.add("ä".repeat(30), AGENT, null, NOW)).hasMessageNotContaining("ä");
    table.add(KEY, AGENT, null, NOW);
    AgentIdentity other = AgentIdentity.of("other", IdentitySource.API_KEY);
    assertThatThrownBy(() -> table.add(KEY, other, null, NOW))
        .hasMessage("api key for 'other': this key is already in use (the key itself is not shown)")
        .hasMessageNotContaining(KEY);
  }

  /** A flood of invalid keys creates no state at all. */
  @Test
  void badKeysCreateNoState() {
    ApiKeyTable table = new ApiKeyTable();
    table.add(KEY, AGENT, null, NOW);
    SplittableRandom random = new SplittableRandom(3);
    for (int i = 0; i < 100_000; i++) {
      String guess = "ak_live_" + Long.toHexString(random.nextLong()) + Long.toHexString(random.nextLong());
      assertThat(table.resolve(guess, NOW)).isEqualTo(new IdentityResult.Rejected("unknown-key"));
    }
    assertThat(table.size()).isEqualTo(1);
  }

  /** Sixteen threads adding keys for one agent at once: exactly two win. */
  @Test
  void concurrentAddsRespectTheLiveLimit() throws InterruptedException {
    ApiKeyTable table = new ApiKeyTable();
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
                  table.add(key, AGENT, null, NOW);
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
    ApiKeyTable table = new ApiKeyTable();
    if (keys.size() == 2 && keys.get(0).equals(keys.get(1))) {
      return;
    }
    for (String k : keys) {
      table.add(k, AGENT, null, NOW);
    }
    for (String k : keys) {
      assertThat(table.resolve(k, NOW)).isEqualTo(new IdentityResult.Identified(AGENT));
    }
    if (!keys.contains(other)) {
      assertThat(table.resolve(other, NOW)).isInstanceOf(IdentityResult.Rejected.class);
    }
    table.revoke(keys.get(0));
    assertThat(table.resolve(keys.get(0), NOW)).isEqualTo(new IdentityResult.Rejected("revoked"));
  }
}
