package dev.agentlimiter.core.audit;

import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Objects;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The fold windows of the audit log: the first line of a key is written, its repeats within the window are
 * counted, and when the window ends one fold line says how many there were. A key is (agent, kind, scope);
 * the table holds at most {@code maximumAgentKeys} keys with an agent, and a new agent beyond them folds by
 * (kind, scope) instead, in at most {@value #MAXIMUM_ROUTE_KEYS} such keys, and beyond those by kind alone
 * (finitely many). A window opens at its first event's time and ends by the next event's time or by the
 * audit log's clock; windows are kept in the order they opened, so the ended ones are at the head. <b>Not
 * thread-safe</b>: the writer thread alone uses it.
 */
final class FoldTable {

  /** The most (kind, scope) keys, for the agents beyond the table: scopes are configured names. */
  static final int MAXIMUM_ROUTE_KEYS = 1_024;

  /** What a fold key kept of an event: the agent's own repeats, or many agents'. */
  enum Scope {
    /** One agent's repeats of a kind on one scope. */
    AGENT("agent"),
    /** Agents beyond the table, one kind on one scope. */
    ROUTE("route"),
    /** Agents beyond the table on scopes beyond the route keys, one kind. */
    KIND("kind");

    final String label;

    Scope(String label) {
      this.label = label;
    }
  }

  /** A fold key: the agent is {@code null} for a key of many agents, the scope for a key of many scopes. */
  record Key(@Nullable String agent, LineKind kind, @Nullable String scope) {}

  /** One key's open window. */
  static final class Window {
    final Key key;
    final Scope scope;
    final Instant closesAt;
    private final Instant steppedBackAt;
    long suppressed;
    @Nullable Instant first;
    @Nullable Instant last;

    Window(Key key, Scope scope, Instant opened, Duration length) {
      this.key = key;
      this.scope = scope;
      this.closesAt = opened.plus(length);
      this.steppedBackAt = opened.minus(length);
    }

    /**
     * Whether the window has ended at {@code now}: a window's length after it opened, or a window's length
     * before (the clock stepped back; events of concurrent requests arrive a little out of order, never by
     * that much).
     */
    boolean endedAt(Instant now) {
      return now.compareTo(closesAt) >= 0 || now.isBefore(steppedBackAt);
    }

    void suppress(Instant eventTime) {
      suppressed++;
      if (first == null) {
        first = eventTime;
      }
      last = eventTime;
    }
  }

  private final LinkedHashMap<Key, Window> windows = new LinkedHashMap<>();
  private final Duration length;
  private final int maximumAgentKeys;
  private int agentKeys;
  private int routeKeys;

  FoldTable(Duration length, int maximumAgentKeys) {
    this.length = Objects.requireNonNull(length, "length");
    this.maximumAgentKeys = maximumAgentKeys;
  }

  /**
   * Counts one event of {@code agent}, {@code kind} and {@code scope} that happened at {@code time}. If its
   * key's window has ended by then, the window is closed first and given to {@code closed}.
   *
   * @return whether the event is the first of a window, to be written now; {@code false} if it was counted
   */
  boolean admit(
      String agent, LineKind kind, @Nullable String scope, Instant time, Consumer<Window> closed) {
    Key own = new Key(agent, kind, scope);
    Window w = current(own, time, closed);
    if (w == null) {
      if (agentKeys < maximumAgentKeys) {
        open(own, Scope.AGENT, time);
        return true;
      }
      Key route = new Key(null, kind, scope);
      w = current(route, time, closed);
      if (w == null) {
        if (routeKeys < MAXIMUM_ROUTE_KEYS) {
          open(route, Scope.ROUTE, time);
          return true;
        }
        Key any = new Key(null, kind, null);
        w = current(any, time, closed);
        if (w == null) {
          open(any, Scope.KIND, time);
          return true;
        }
      }
    }
    w.suppress(time);
    return false;
  }

  /**
   * Closes the windows that have ended at {@code now}, or every window if {@code all}, giving each to {@code
   * closed}. Stops at the first open window from the head: the rest opened after it.
   */
  void closeEnded(Instant now, boolean all, Consumer<Window> closed) {
    for (Iterator<Window> it = windows.values().iterator(); it.hasNext(); ) {
      Window w = it.next();
      if (!all && !w.endedAt(now)) {
        return;
      }
      it.remove();
      forget(w);
      closed.accept(w);
    }
  }

  /** The number of open windows. */
  int size() {
    return windows.size();
  }

  private @Nullable Window current(Key key, Instant now, Consumer<Window> closed) {
    Window w = windows.get(key);
    if (w != null && w.endedAt(now)) {
      windows.remove(key);
      forget(w);
      closed.accept(w);
      return null;
    }
    return w;
  }

  private void open(Key key, Scope scope, Instant now) {
    windows.put(key, new Window(key, scope, now, length));
    if (scope == Scope.AGENT) {
      agentKeys++;
    } else if (scope == Scope.ROUTE) {
      routeKeys++;
    }
  }

  private void forget(Window w) {
    if (w.scope == Scope.AGENT) {
      agentKeys--;
    } else if (w.scope == Scope.ROUTE) {
      routeKeys--;
    }
  }
}
