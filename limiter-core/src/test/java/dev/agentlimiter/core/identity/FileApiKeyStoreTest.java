package dev.agentlimiter.core.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.ApiKeyEntry;
import dev.agentlimiter.api.ApiKeyHash;
import dev.agentlimiter.api.IdentityResult;
import dev.agentlimiter.api.IdentitySource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Key files: hashes only, errors name file, line and column, a bad reload keeps the last good keys. */
class FileApiKeyStoreTest {

  private static final String KEY_7 = "ak_live_4f9c2e7b1a8d6053c9e1";
  private static final String KEY_7_NEXT = "ak_live_0d3b5f7a9c1e2468bdf1";
  private static final String KEY_9 = "ak_live_8e6c4a2b0d9f7531eca2";
  private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");

  private final Path dir;

  FileApiKeyStoreTest() throws IOException {
    dir = Files.createTempDirectory("keys");
    dir.toFile().deleteOnExit();
  }

  private final MutableClock clock = new MutableClock(NOW);

  private Path write(String text) throws IOException {
    Path file = dir.resolve("keys.txt");
    Files.writeString(file, text, StandardCharsets.UTF_8);
    return file;
  }

  private static String hash(String key) {
    return ApiKeyHash.of(key).hex();
  }

  @Test
  void readsHashesWithOptions() throws IOException {
    Path file =
        write(
            "# keys for the DNS API\n"
                + hash(KEY_7) + "  agent-7  tier=pro scopes=dns:read,dns:write\n"
                + "\n"
                + hash(KEY_7_NEXT) + "\tagent-7\texpires=2027-01-01T00:00:00Z   # rotation\n"
                + hash(KEY_9) + " agent-9 revoked\n");
    FileApiKeyStore store = FileApiKeyStore.load(file, clock);
    assertThat(store.size()).isEqualTo(3);
    ApiKeyEntry seven = Objects.requireNonNull(store.find(ApiKeyHash.of(KEY_7)));
    assertThat(seven.identity())
        .isEqualTo(new AgentIdentity("agent-7", "pro", Set.of("dns:read", "dns:write"), IdentitySource.API_KEY));
    assertThat(Objects.requireNonNull(store.find(ApiKeyHash.of(KEY_7_NEXT))).expiresAt())
        .isEqualTo(Instant.parse("2027-01-01T00:00:00Z"));
    var resolver = IdentityResolvers.apiKeys(store, "X-Api-Key", clock);
    assertThat(resolver.resolve(new FakeRequest("192.0.2.1").header("X-Api-Key", KEY_7)))
        .isEqualTo(new IdentityResult.Identified(seven.identity()));
    assertThat(resolver.resolve(new FakeRequest("192.0.2.1").header("X-Api-Key", KEY_9)))
        .isEqualTo(new IdentityResult.Rejected("revoked"));
    clock.set(Instant.parse("2027-01-01T00:00:00Z"));
    assertThat(resolver.resolve(new FakeRequest("192.0.2.1").header("X-Api-Key", KEY_7_NEXT)))
        .isEqualTo(new IdentityResult.Rejected("expired"));
    // the file holds no key
    assertThat(Files.readString(file)).doesNotContain(KEY_7).doesNotContain(KEY_9);
  }

  @Test
  void errorsNameFileLineAndColumn() throws IOException {
    String h7 = hash(KEY_7);
    assertError("zz" + h7.substring(2) + " agent-7\n", ":1:1: expected the key's SHA-256 as 64 hexadecimal digits");
    assertError("\n" + h7 + "\n", ":2:65: expected an agent id after the hash");
    assertError(h7 + " agent-7 tier=pro colour=blue\n", ":1:83: unknown option 'colour'; expected tier=, scopes=, expires= or revoked");
    assertError(h7 + " agent-7 expires=tomorrow\n", ":1:82: expires must be an ISO-8601 instant such as 2027-01-01T00:00:00Z");
    assertError(h7 + " agent-7 tier=a tier=b\n", ":1:81: option 'tier' is given twice");
    assertError(h7 + " agent-7 scopes=a,,b\n", ":1:81: scopes must be a comma-separated list without empty entries");
    assertError(h7 + " agent-7 revoked=yes\n", ":1:74: revoked takes no value");
    assertError(h7 + " agent-7\n" + h7 + " agent-8\n", ":2:1: this hash is already listed on an earlier line");
    assertError(
        h7 + " agent-7\n" + hash(KEY_7_NEXT) + " agent-7\n" + hash(KEY_9) + " agent-7\n",
        ":3:66: agent 'agent-7' already has 2 live api keys; revoke one before adding another");
    assertError(h7 + " " + "a".repeat(300) + "\n", ":1:66: agent id: length must be in [1, 256] but was 300");
  }

  private void assertError(String text, String expected) throws IOException {
    Path file = write(text);
    assertThatThrownBy(() -> FileApiKeyStore.load(file, clock))
        .isInstanceOf(FileApiKeyStore.KeyFileException.class)
        .hasMessage(file + expected);
  }

  @Test
  void aRevokedOrExpiredKeyDoesNotCountAsLive() throws IOException {
    Path file =
        write(
            hash(KEY_7) + " agent-7 revoked\n"
                + hash(KEY_7_NEXT) + " agent-7 expires=2026-01-01T00:00:00Z\n"
                + hash(KEY_9) + " agent-7\n"
                + ApiKeyHash.of("ak_live_third_key_for_agent_7").hex() + " agent-7\n");
    assertThat(FileApiKeyStore.load(file, clock).size()).isEqualTo(4);
  }

  @Test
  void aBadReloadKeepsTheLastGoodKeys() throws IOException {
    Path file = write(hash(KEY_7) + " agent-7\n");
    FileApiKeyStore store = FileApiKeyStore.load(file, clock);
    assertThat(store.reloadIfChanged()).isFalse();
    Files.writeString(file, hash(KEY_7) + " agent-7\nnot-a-hash agent-9\n");
    Files.setLastModifiedTime(file, FileTime.from(NOW.plusSeconds(5)));
    assertThatThrownBy(store::reloadIfChanged).hasMessage(file + ":2:1: expected the key's SHA-256 as 64 hexadecimal digits");
    assertThat(store.find(ApiKeyHash.of(KEY_7))).isNotNull();
    assertThat(store.size()).isEqualTo(1);
    Files.writeString(file, hash(KEY_9) + " agent-9\n");
    Files.setLastModifiedTime(file, FileTime.from(NOW.plusSeconds(10)));
    assertThat(store.reloadIfChanged()).isTrue();
    assertThat(store.find(ApiKeyHash.of(KEY_7))).isNull();
    assertThat(store.find(ApiKeyHash.of(KEY_9))).isNotNull();
    Files.delete(file);
    assertThatThrownBy(store::reload).hasMessageStartingWith(file + ": cannot be read");
    assertThat(store.find(ApiKeyHash.of(KEY_9))).isNotNull();
  }

  @Test
  void refusesInvalidUtf8AndHugeFiles() throws IOException {
    Path file = dir.resolve("bad.txt");
    Files.write(file, new byte[] {'#', (byte) 0xC3, 0x28, '\n'});
    assertThatThrownBy(() -> FileApiKeyStore.load(file, clock)).hasMessage(file + ": is not valid UTF-8");
  }
}
