package dev.agentlimiter.core.config;

import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AppliedConfiguration;
import dev.agentlimiter.api.Beta;
import dev.agentlimiter.api.LimiterAdmin;
import dev.agentlimiter.api.PolicySet;
import dev.agentlimiter.core.internal.engine.Limiter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches one policy file and applies each valid new version of it to a limiter, while the limiter runs.
 *
 * <pre>{@code
 * PolicyFileWatcher watcher =
 *     PolicyFileWatcher.start(Path.of("/etc/agentlimiter/policy.yaml"), limiter, reader, Duration.ofSeconds(2));
 * ...
 * watcher.close(); // at shutdown
 * }</pre>
 *
 * <p><b>At start</b> the file is read, parsed and applied on the calling thread: a file that is missing,
 * unreadable, invalid, or refused by the limiter is an error then, and {@link #start} throws with the
 * parser's (or the limiter's) message; nothing is left running.
 *
 * <p><b>While it runs</b>, one daemon thread named {@value #THREAD_NAME} watches the file's <em>parent
 * directory</em> with a {@link WatchService} (so that a Kubernetes ConfigMap update, an atomic swap of the
 * {@code ..data} symlink in that directory, is seen at once) and, as well, polls the file every {@code
 * poll} (which catches what a watch misses: a symlink into another directory, a file system without
 * watches). Each time it resolves the file's real path (following symlinks) and hashes its content
 * (SHA-256). Content equal to the last content handled, applied or refused, is ignored: <b>the same
 * version is never applied twice</b>. New content is parsed only once it is stable: the same hash, size
 * and modification time in two reads a debounce apart (200 ms), so a half-written file is never parsed; and
 * it is handled only if the file still has that content after it was parsed.
 *
 * <ul>
 *   <li>A valid new version is applied ({@link LimiterAdmin#apply}, origin: the file's absolute path as
 *       given); the limiter tells its listener a {@link dev.agentlimiter.api.ConfigurationEvent}.
 *   <li>An invalid version changes nothing: the last good configuration keeps running, one ERROR naming
 *       file, line, column and field is logged to {@value #LOGGER_NAME}, and the limiter's listener is
 *       told one refused {@code ConfigurationEvent}, once per distinct content. A version the limiter
 *       refuses ({@code apply} throws {@link IllegalArgumentException}) is logged once as well; the limiter
 *       tells its listener of that refusal itself.
 *   <li>A file that disappears or becomes unreadable changes nothing either: one ERROR and one refused
 *       event per episode; when it is back, a new version is applied as above (the version that was
 *       running before is not applied again).
 * </ul>
 *
 * <p>Nothing the parser, the limiter or a listener throws stops the watcher (only a {@link
 * VirtualMachineError} does). Thread-safe; {@link #close()} stops the thread and the watch.
 */
@Beta
public final class PolicyFileWatcher implements AutoCloseable {

  /** The name of the watcher's thread. */
  public static final String THREAD_NAME = "agentlimiter-policy-watcher";

  /** The logger the watcher logs to. */
  public static final String LOGGER_NAME = "dev.agentlimiter.config";

  /** The poll interval a policy file declares when it declares none. */
  public static final Duration DEFAULT_POLL = Duration.ofSeconds(2);

  /** The shortest poll interval {@link #start} accepts. */
  public static final Duration MINIMUM_POLL = Duration.ofSeconds(1);

  /** The longest poll interval {@link #start} accepts. */
  public static final Duration MAXIMUM_POLL = Duration.ofMinutes(5);

  /** How long new content must stay unchanged before it is parsed, unless a test sets its own. */
  static final Duration DEFAULT_DEBOUNCE = Duration.ofMillis(200);

  private static final Logger LOG = LoggerFactory.getLogger(LOGGER_NAME);

  /** How long {@link #close()} waits for the thread to end. */
  private static final long JOIN_MILLIS = 5_000;

  /**
   * Reads a file into a configuration; throws IllegalArgumentException with a message naming file, line,
   * column, field.
   */
  @FunctionalInterface
  interface Reader {
    PolicySet read(Path file);
  }

  /** Where configurations go. */
  interface Target {
    /**
     * Applies {@code set}; throws {@link IllegalArgumentException} if it is refused (and then reports the
     * refusal itself).
     */
    AppliedConfiguration apply(PolicySet set, String origin);

    /** Reports a version that never reached {@link #apply}: invalid, missing or unreadable. */
    void refused(String origin, String error);
  }

  private final Path file;
  private final String origin;
  private final Reader reader;
  private final Target target;
  private final long pollNanos;
  private final long debounceNanos;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicLong applied = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final @Nullable WatchService watch;
  private final Thread thread;

  // the watcher thread's own after start
  private byte[] lastHash;
  private boolean missing;
  private @Nullable WatchKey key;

  private PolicyFileWatcher(Builder b, Snapshot first) {
    this.file = b.file;
    this.origin = b.origin;
    this.reader = b.reader;
    this.target = b.target;
    this.pollNanos = b.poll.toNanos();
    this.debounceNanos = b.debounce.toNanos();
    this.lastHash = first.hash;
    this.watch = openWatch(b.file);
    this.thread = new Thread(this::run, THREAD_NAME);
    thread.setDaemon(true);
  }

  /**
   * Watches a policy file read by {@link PolicyFiles#read} and applies each valid new version to {@code
   * limiter}, polling at the file's {@code reload.poll} ({@link #DEFAULT_POLL} if it sets none). The file
   * is read and applied now, as {@link #start(Path, AgentLimiter, Function, Duration)} does; a limiter
   * built with {@code AgentLimiters.Builder.policyFile} of the same file already runs it, so nothing
   * changes then.
   *
   * @throws PolicyFileException if the file is not valid, naming file, line, column and field
   * @throws IllegalArgumentException if it cannot be read, or the limiter refuses it
   */
  public static PolicyFileWatcher start(Path file, AgentLimiter limiter) {
    Duration poll = PolicyFiles.read(file).reload().map(PolicyFile.Reload::poll).orElse(DEFAULT_POLL);
    return start(file, limiter, p -> PolicyFiles.read(p).policies(), poll);
  }

  /**
   * Reads, parses and applies {@code file} to {@code limiter}, then watches it and applies each valid new
   * version, as the class describes. A configuration refused before it reaches {@link LimiterAdmin#apply}
   * (invalid, missing, unreadable) is reported to the limiter's listener when the limiter is one that
   * {@code AgentLimiters} built.
   *
   * @param file the policy file; its parent directory is watched
   * @param reader parses a file into a configuration, throwing {@link IllegalArgumentException} whose message
   *     names file, line, column and field of each problem
   * @param poll how often the file is read even if no change was seen: 1 s to 5 min ({@link #DEFAULT_POLL}
   *     if in doubt)
   * @return the running watcher; close it at shutdown
   * @throws IllegalArgumentException if {@code poll} is out of range, or if the file is missing,
   *     unreadable or invalid (with the parser's message), or the limiter refuses it (with its message)
   */
  public static PolicyFileWatcher start(
      Path file, AgentLimiter limiter, Function<Path, PolicySet> reader, Duration poll) {
    Objects.requireNonNull(limiter, "limiter");
    Objects.requireNonNull(reader, "reader");
    return builder(file, reader::apply, targetOf(limiter)).poll(checkPoll(poll)).start();
  }

  /** The seam to a real limiter: its admin applies; {@link Limiter#configurationRefused} is told refusals. */
  static Target targetOf(AgentLimiter limiter) {
    LimiterAdmin admin = limiter.admin();
    Limiter engine = limiter instanceof Limiter l ? l : null;
    return new Target() {
      @Override
      public AppliedConfiguration apply(PolicySet set, String origin) {
        return admin.apply(set, origin);
      }

      @Override
      public void refused(String origin, String error) {
        if (engine != null) {
          engine.configurationRefused(origin, error);
        }
      }
    };
  }

  /** A builder for tests and for wiring: any poll and debounce, a reader and a target of one's own. */
  static Builder builder(Path file, Reader reader, Target target) {
    return new Builder(file, reader, target);
  }

  static Duration checkPoll(Duration poll) {
    Objects.requireNonNull(poll, "poll");
    if (poll.compareTo(MINIMUM_POLL) < 0 || poll.compareTo(MAXIMUM_POLL) > 0) {
      throw new IllegalArgumentException(
          "policy file watcher: poll must be between 1 s and 5 min but was " + poll);
    }
    return poll;
  }

  /** The file's absolute path as given: the origin of every configuration it applies. */
  public String origin() {
    return origin;
  }

  /** The number of versions applied since start, the first one included. */
  long appliedCount() {
    return applied.get();
  }

  /** The number of versions refused since start: invalid, missing or unreadable, or refused by the target. */
  long refusedCount() {
    return refused.get();
  }

  /**
   * Stops the thread and the watch, waiting (a few seconds at most) for a read or apply under way to end;
   * nothing is applied after it returns, unless that wait ran out. Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (watch != null) {
      try {
        watch.close();
      } catch (IOException e) {
        LOG.debug("policy file {}: closing the watch failed", origin, e);
      }
    }
    thread.interrupt();
    if (Thread.currentThread() != thread) {
      try {
        thread.join(JOIN_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public String toString() {
    return "PolicyFileWatcher[" + origin + (closed.get() ? ", closed" : "") + ", applied=" + applied.get()
        + ", refused=" + refused.get() + "]";
  }

  // ------------------------------------------------------------------------------------------ start

  /** The first version, on the caller's thread: any failure is the caller's. */
  private static Snapshot first(Builder b) {
    for (int attempt = 0; ; attempt++) {
      Snapshot s;
      try {
        s = snapshot(b.file);
      } catch (IOException e) {
        throw new IllegalArgumentException(unreadable(b.origin, e), e);
      }
      PolicySet set = b.reader.read(b.file);
      if (!unchangedSince(b.file, s) && attempt < 3) {
        continue; // written while it was parsed: parse what it is now
      }
      AppliedConfiguration now = b.target.apply(set, b.origin);
      LOG.info("policy file {} applied as generation {}", b.origin, now.generation());
      return s;
    }
  }

  private PolicyFileWatcher begin() {
    applied.incrementAndGet();
    thread.start();
    return this;
  }

  private @Nullable WatchService openWatch(Path f) {
    Path dir = f.toAbsolutePath().getParent();
    if (dir == null) {
      return null;
    }
    WatchService w = null;
    try {
      w = dir.getFileSystem().newWatchService();
      key = register(w, dir);
      return w;
    } catch (IOException | RuntimeException e) { // no watches on this file system: polling alone
      LOG.info("policy file {}: cannot watch {} ({}); polling only", origin, dir, e.toString());
      if (w != null) {
        try {
          w.close();
        } catch (IOException ignored) {
          // nothing to release then
        }
      }
      return null;
    }
  }

  private static WatchKey register(WatchService w, Path dir) throws IOException {
    return dir.register(
        w,
        StandardWatchEventKinds.ENTRY_CREATE,
        StandardWatchEventKinds.ENTRY_MODIFY,
        StandardWatchEventKinds.ENTRY_DELETE);
  }

  // ------------------------------------------------------------------------------------------ thread

  private void run() {
    while (!closed.get()) {
      try {
        check(); // first at once: a change between the start's read and the watch's registration
        if (!closed.get()) {
          awaitChangeOrPoll();
        }
      } catch (InterruptedException | ClosedWatchServiceException e) {
        if (!closed.get()) {
          LOG.debug("policy file {}: watcher interrupted; still watching", origin);
        }
      } catch (VirtualMachineError e) {
        throw e;
      } catch (RuntimeException | Error e) { // a bug of ours or the target's: log it, keep watching
        if (!closed.get()) {
          LOG.error("policy file {}: the watcher failed; still watching", origin, e);
          pause();
        }
      }
    }
  }

  /** Waits for an event in the directory or the poll interval, whichever comes first. */
  private void awaitChangeOrPoll() throws InterruptedException {
    WatchService w = watch;
    if (w == null) {
      TimeUnit.NANOSECONDS.sleep(pollNanos);
      return;
    }
    if (key == null) { // the directory went away: poll, and watch again once it is back
      TimeUnit.NANOSECONDS.sleep(pollNanos);
      Path dir = file.toAbsolutePath().getParent();
      if (dir != null) {
        try {
          key = register(w, dir);
        } catch (IOException e) {
          // still away
        }
      }
      return;
    }
    WatchKey k = w.poll(pollNanos, TimeUnit.NANOSECONDS);
    while (k != null) {
      k.pollEvents(); // which entry changed does not matter: a ConfigMap swaps ..data, not the file
      if (!k.reset() && k == key) {
        key = null;
      }
      k = w.poll(); // drain what else is pending
    }
  }

  /** Reads the file once; waits for it to be stable if it changed; handles it. */
  private void check() throws InterruptedException {
    Observation seen = observe();
    if (seen.isKnown(lastHash, missing)) {
      return;
    }
    while (!closed.get()) {
      TimeUnit.NANOSECONDS.sleep(debounceNanos);
      Observation again = observe();
      if (!again.sameAs(seen)) {
        seen = again; // still being written: wait again
        continue;
      }
      if (again.isKnown(lastHash, missing)) {
        return; // changed and changed back
      }
      if (handle(again)) {
        return;
      }
      seen = observe(); // changed while it was parsed
    }
  }

  /** Handles a stable observation; false if the file changed while it was parsed (nothing done then). */
  private boolean handle(Observation o) {
    Snapshot s = o.snapshot;
    if (s == null) {
      missing = true;
      String error = unreadable(origin, Objects.requireNonNull(o.failure));
      refused.incrementAndGet();
      LOG.error("{}; the running configuration is kept", error);
      tellRefused(error);
      return true;
    }
    if (missing) {
      missing = false;
      if (Arrays.equals(s.hash, lastHash)) {
        LOG.info("policy file {} is back, unchanged; the running configuration is kept", origin);
        return true;
      }
    }
    PolicySet set;
    try {
      set = reader.read(file);
    } catch (VirtualMachineError e) {
      throw e;
    } catch (RuntimeException | Error e) {
      if (closed.get()) {
        return true; // interrupted by close(): nothing to report
      }
      if (!unchangedSince(file, s)) {
        return false;
      }
      lastHash = s.hash;
      refused.incrementAndGet();
      String error = e instanceof IllegalArgumentException ? messageOf(e) : origin + ": " + e;
      if (e instanceof IllegalArgumentException) {
        LOG.error("policy file {} is invalid; the running configuration is kept:\n{}", origin, error);
      } else {
        LOG.error("policy file {} could not be read; the running configuration is kept", origin, e);
      }
      tellRefused(error);
      return true;
    }
    if (closed.get()) {
      return true;
    }
    if (!unchangedSince(file, s)) {
      return false;
    }
    lastHash = s.hash;
    try {
      AppliedConfiguration now = target.apply(set, origin);
      applied.incrementAndGet();
      LOG.info("policy file {} applied as generation {}", origin, now.generation());
    } catch (VirtualMachineError e) {
      throw e;
    } catch (IllegalArgumentException e) { // the limiter refused it and told its listener itself
      refused.incrementAndGet();
      LOG.error(
          "policy file {} was refused by the limiter; the running configuration is kept:\n{}",
          origin,
          messageOf(e));
    } catch (RuntimeException | Error e) {
      refused.incrementAndGet();
      LOG.error("policy file {}: applying it failed; the running configuration is kept", origin, e);
    }
    return true;
  }

  private void tellRefused(String error) {
    try {
      target.refused(origin, error);
    } catch (VirtualMachineError e) {
      throw e;
    } catch (RuntimeException | Error e) {
      LOG.error("policy file {}: reporting a refused configuration failed", origin, e);
    }
  }

  /** After an unexpected failure: a poll interval, so that a failure that repeats does not spin. */
  private void pause() {
    try {
      TimeUnit.NANOSECONDS.sleep(pollNanos);
    } catch (InterruptedException e) {
      // close() or a spurious interrupt: the loop checks which
    }
  }

  // ------------------------------------------------------------------------------------------ reading

  private Observation observe() {
    try {
      return new Observation(snapshot(file), null);
    } catch (IOException e) {
      return new Observation(null, e);
    }
  }

  /** The content's hash, size and modification time, through the file's real path. */
  private static Snapshot snapshot(Path file) throws IOException {
    Path real = file.toRealPath();
    BasicFileAttributes attributes = Files.readAttributes(real, BasicFileAttributes.class);
    MessageDigest sha256 = sha256();
    byte[] buffer = new byte[8192];
    long size = 0;
    try (InputStream in = Files.newInputStream(real)) {
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        sha256.update(buffer, 0, n);
        size += n;
      }
    }
    return new Snapshot(sha256.digest(), size, attributes.lastModifiedTime());
  }

  private static boolean unchangedSince(Path file, Snapshot before) {
    try {
      return snapshot(file).sameAs(before);
    } catch (IOException e) {
      return false;
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  private static String unreadable(String origin, IOException e) {
    return e instanceof NoSuchFileException
        ? "policy file " + origin + " is missing"
        : "policy file " + origin + " cannot be read: " + e;
  }

  private static String messageOf(Throwable e) {
    String m = e.getMessage();
    return m != null ? m : e.toString();
  }

  /** What one read of the file found: its content's snapshot, or why there was none. */
  private static final class Observation {
    final @Nullable Snapshot snapshot;
    final @Nullable IOException failure;

    Observation(@Nullable Snapshot snapshot, @Nullable IOException failure) {
      this.snapshot = snapshot;
      this.failure = failure;
    }

    /** Whether nothing needs doing: the content last handled, or missing again in the same episode. */
    boolean isKnown(byte[] lastHash, boolean missing) {
      return snapshot == null ? missing : !missing && Arrays.equals(snapshot.hash, lastHash);
    }

    boolean sameAs(Observation other) {
      Snapshot s = snapshot;
      Snapshot o = other.snapshot;
      return s == null ? o == null : o != null && s.sameAs(o);
    }
  }

  /** A version of the file: the SHA-256 of its content, its size and its modification time. */
  private static final class Snapshot {
    final byte[] hash;
    final long size;
    final FileTime modified;

    Snapshot(byte[] hash, long size, FileTime modified) {
      this.hash = hash;
      this.size = size;
      this.modified = modified;
    }

    boolean sameAs(Snapshot other) {
      return Arrays.equals(hash, other.hash) && size == other.size && modified.equals(other.modified);
    }
  }

  // ------------------------------------------------------------------------------------------ builder

  /**
   * Builds a watcher: the file, the reader and the target, and a poll interval and debounce of any positive
   * length (tests use a few milliseconds; {@link #start(Path, AgentLimiter, Function, Duration)} checks the
   * public range). Not thread-safe.
   */
  static final class Builder {
    final Path file;
    final String origin;
    final Reader reader;
    final Target target;
    Duration poll = DEFAULT_POLL;
    Duration debounce = DEFAULT_DEBOUNCE;

    private Builder(Path file, Reader reader, Target target) {
      this.file = Objects.requireNonNull(file, "file");
      this.origin = file.toAbsolutePath().toString();
      this.reader = Objects.requireNonNull(reader, "reader");
      this.target = Objects.requireNonNull(target, "target");
    }

    Builder poll(Duration interval) {
      this.poll = positive("poll", interval);
      return this;
    }

    Builder debounce(Duration wait) {
      this.debounce = positive("debounce", wait);
      return this;
    }

    private static Duration positive(String name, Duration d) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("policy file watcher: " + name + " must be > 0 but was " + d);
      }
      return d;
    }

    /**
     * Reads, parses and applies the file on this thread, then starts watching it.
     *
     * @throws IllegalArgumentException if the file is missing, unreadable or invalid, or the target refuses it
     */
    PolicyFileWatcher start() {
      Snapshot first = first(this);
      return new PolicyFileWatcher(this, first).begin();
    }
  }
}
