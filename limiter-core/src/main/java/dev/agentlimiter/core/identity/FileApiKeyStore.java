package dev.agentlimiter.core.identity;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.ApiKeyEntry;
import dev.agentlimiter.api.ApiKeyHash;
import dev.agentlimiter.api.ApiKeyStore;
import dev.agentlimiter.api.Grammar;
import dev.agentlimiter.api.IdentitySource;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * API keys read from a file of hashes, one key per line; the file never holds a key, so it can live in a
 * config repository. Lines are fields separated by spaces or tabs; {@code #} starts a comment:
 *
 * <pre>
 * # sha256-of-key (64 hex digits)                                     agent      options
 * 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08   agent-7    tier=pro scopes=dns:read,dns:write
 * 60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752   agent-7    expires=2027-01-01T00:00:00Z
 * 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae   agent-9    revoked
 * </pre>
 *
 * <p>Options: {@code tier=}, {@code scopes=} (comma-separated), {@code expires=} (an ISO-8601 instant),
 * {@code revoked}. Compute a hash with {@code printf %s "$KEY" | sha256sum} or {@link ApiKeyHash#hex()}.
 *
 * <p><b>A malformed file never replaces a good one</b>: {@link #load} fails naming the file, line and column;
 * {@link #reload} and {@link #reloadIfChanged} keep serving the last good keys and throw the same error. The
 * same rules as {@link InMemoryApiKeyStore} hold: unique hashes, at most two live keys per agent.
 * Thread-safe: lookups read an immutable snapshot that a reload swaps atomically.
 */
public final class FileApiKeyStore implements ApiKeyStore {

  /** The largest key file read, so a wrong path cannot fill the heap. */
  public static final long MAX_FILE_BYTES = 16L << 20;

  private record Snapshot(Map<ApiKeyHash, ApiKeyEntry> entries, @Nullable FileTime modified, long size) {}

  private final Path file;
  private final Clock clock;
  private volatile Snapshot snapshot;

  private FileApiKeyStore(Path file, Clock clock, Snapshot snapshot) {
    this.file = file;
    this.clock = clock;
    this.snapshot = snapshot;
  }

  /**
   * Reads a key file.
   *
   * @throws KeyFileException if the file cannot be read or a line is malformed, naming file, line and column
   */
  public static FileApiKeyStore load(Path file) {
    return load(file, Clock.systemUTC());
  }

  /** As {@link #load(Path)}, counting live keys at {@code clock}'s instant. */
  public static FileApiKeyStore load(Path file, Clock clock) {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(clock, "clock");
    return new FileApiKeyStore(file, clock, read(file, clock.instant()));
  }

  /**
   * Reads the file again and swaps the keys in atomically.
   *
   * @throws KeyFileException if the file is unreadable or malformed; the last good keys stay in use
   */
  public void reload() {
    snapshot = read(file, clock.instant());
  }

  /**
   * Reloads if the file's modification time or size changed since the last successful read.
   *
   * @return whether it reloaded
   * @throws KeyFileException as {@link #reload()}; the last good keys stay in use
   */
  public boolean reloadIfChanged() {
    Snapshot current = snapshot;
    try {
      if (Objects.equals(Files.getLastModifiedTime(file), current.modified())
          && Files.size(file) == current.size()) {
        return false;
      }
    } catch (IOException e) {
      throw new KeyFileException(file + ": cannot be read: " + e.getMessage(), e);
    }
    reload();
    return true;
  }

  @Override
  public @Nullable ApiKeyEntry find(ApiKeyHash hash) {
    return snapshot.entries().get(hash);
  }

  /** Keys held, revoked and expired ones included. */
  public int size() {
    return snapshot.entries().size();
  }

  /** A key file could not be read or is malformed. The message names the file, line and column. */
  public static final class KeyFileException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    KeyFileException(String message, @Nullable Throwable cause) {
      super(message, cause);
    }
  }

  private static Snapshot read(Path file, Instant now) {
    String text;
    FileTime modified;
    long size;
    try {
      modified = Files.getLastModifiedTime(file);
      size = Files.size(file);
      if (size > MAX_FILE_BYTES) {
        throw new KeyFileException(
            file + ": is " + size + " bytes, more than the limit of " + MAX_FILE_BYTES, null);
      }
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file)))
              .toString();
    } catch (CharacterCodingException e) {
      throw new KeyFileException(file + ": is not valid UTF-8", e);
    } catch (IOException e) {
      throw new KeyFileException(file + ": cannot be read: " + e.getMessage(), e);
    }
    Map<ApiKeyHash, ApiKeyEntry> entries = new HashMap<>();
    Map<String, List<ApiKeyEntry>> byAgent = new HashMap<>();
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      parseLine(file, i + 1, lines[i], entries, byAgent, now);
    }
    return new Snapshot(Map.copyOf(entries), modified, size);
  }

  private static void parseLine(
      Path file,
      int lineNumber,
      String line,
      Map<ApiKeyHash, ApiKeyEntry> entries,
      Map<String, List<ApiKeyEntry>> byAgent,
      Instant now) {
    int hashAt = line.indexOf('#');
    String content = hashAt >= 0 ? line.substring(0, hashAt) : line;
    Fields fields = new Fields(content);
    Field hashField = fields.next();
    if (hashField == null) {
      return; // blank or comment
    }
    ApiKeyHash hash;
    try {
      hash = ApiKeyHash.fromHex(hashField.text());
    } catch (IllegalArgumentException e) {
      throw error(file, lineNumber, hashField.column(), "expected the key's SHA-256 as 64 hexadecimal digits");
    }
    Field agentField = fields.next();
    if (agentField == null) {
      throw error(file, lineNumber, content.length() + 1, "expected an agent id after the hash");
    }
    String tier = AgentIdentity.DEFAULT_TIER;
    Set<String> scopes = new LinkedHashSet<>();
    Instant expires = null;
    boolean revoked = false;
    Set<String> seen = new LinkedHashSet<>();
    for (Field option = fields.next(); option != null; option = fields.next()) {
      String text = option.text();
      int eq = text.indexOf('=');
      String key = eq < 0 ? text : text.substring(0, eq);
      String value = eq < 0 ? "" : text.substring(eq + 1);
      if (!seen.add(key)) {
        throw error(file, lineNumber, option.column(), "option '" + key + "' is given twice");
      }
      int valueColumn = option.column() + eq + 1;
      switch (key) {
        case "tier" -> {
          if (!Grammar.isTier(value)) {
            throw error(
                file, lineNumber, valueColumn, value.isEmpty() ? "tier must not be empty" : "tier must not be blank");
          }
          tier = value;
        }
        case "scopes" -> {
          for (String scope : value.split(",", -1)) {
            if (scope.isEmpty()) {
              throw error(file, lineNumber, valueColumn, "scopes must be a comma-separated list without empty entries");
            }
            scopes.add(scope);
          }
        }
        case "expires" -> {
          try {
            expires = Instant.parse(value);
          } catch (DateTimeParseException e) {
            throw error(
                file, lineNumber, valueColumn, "expires must be an ISO-8601 instant such as 2027-01-01T00:00:00Z");
          }
        }
        case "revoked" -> {
          if (eq >= 0) {
            throw error(file, lineNumber, option.column(), "revoked takes no value");
          }
          revoked = true;
        }
        default ->
            throw error(
                file,
                lineNumber,
                option.column(),
                "unknown option '" + key + "'; expected tier=, scopes=, expires= or revoked");
      }
    }
    AgentIdentity identity;
    try {
      identity = new AgentIdentity(agentField.text(), tier, scopes, IdentitySource.API_KEY);
    } catch (IllegalArgumentException e) {
      throw error(file, lineNumber, agentField.column(), e.getMessage());
    }
    if (entries.containsKey(hash)) {
      throw error(file, lineNumber, hashField.column(), "this hash is already listed on an earlier line");
    }
    ApiKeyEntry entry = new ApiKeyEntry(hash, identity, expires, revoked);
    List<ApiKeyEntry> own = byAgent.computeIfAbsent(identity.id(), id -> new ArrayList<>(2));
    if (entry.isLive(now)) {
      try {
        InMemoryApiKeyStore.checkLiveKeys(own, identity.id(), now);
      } catch (IllegalStateException e) {
        throw error(file, lineNumber, agentField.column(), e.getMessage());
      }
    }
    entries.put(hash, entry);
    own.add(entry);
  }

  private static KeyFileException error(Path file, int line, int column, @Nullable String message) {
    return new KeyFileException(file + ":" + line + ":" + column + ": " + message, null);
  }

  private record Field(String text, int column) {}

  /** Splits a line on spaces and tabs, remembering 1-based columns. */
  private static final class Fields {
    private final String line;
    private int at;

    Fields(String line) {
      this.line = line;
    }

    @Nullable Field next() {
      while (at < line.length() && (line.charAt(at) == ' ' || line.charAt(at) == '\t')) {
        at++;
      }
      if (at >= line.length()) {
        return null;
      }
      int start = at;
      while (at < line.length() && line.charAt(at) != ' ' && line.charAt(at) != '\t') {
        at++;
      }
      return new Field(line.substring(start, at), start + 1);
    }
  }
}
