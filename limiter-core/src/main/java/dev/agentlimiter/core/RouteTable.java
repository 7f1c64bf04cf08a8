package dev.agentlimiter.core;

import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Route;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Servlet URL patterns to routes, matched as the Servlet specification maps requests to servlets: an exact
 * path wins, then the longest {@code /prefix/*}, then {@code *.extension}, then {@code /} (default). Within
 * one pattern a method-specific entry wins over one for every method. Both adapters use it for the routes
 * configured by path, so a pattern means the same in front of a servlet and a JAX-RS resource.
 *
 * <p>Immutable and thread-safe; {@link #match} allocates nothing.
 */
public final class RouteTable {

  private record Entry(@Nullable String method, String pattern, Route route) {}

  /** The entries of one pattern: the route for every method, and those for one method each. */
  private static final class Slot {
    final String pattern;
    final String base; // "/api" of "/api/*"; "" for "/*"
    @Nullable Route any;
    final Map<String, Route> byMethod = new HashMap<>(4);

    Slot(String pattern, String base) {
      this.pattern = pattern;
      this.base = base;
    }

    @Nullable Route pick(String method) {
      if (!byMethod.isEmpty()) {
        Route r = byMethod.get(method);
        if (r != null) {
          return r;
        }
      }
      return any;
    }
  }

  private static final RouteTable EMPTY = new RouteTable(List.of(), Map.of());

  private final Map<String, Slot> exact = new HashMap<>();
  private final Slot[] prefixes; // longest first
  private final Map<String, Slot> extensions = new HashMap<>();
  private final @Nullable Slot fallback;
  private final int size;
  private final Map<String, Policy> policies;

  private RouteTable(List<Entry> entries, Map<String, Policy> policies) {
    this.policies = Map.copyOf(policies);
    Map<String, Slot> prefixSlots = new HashMap<>();
    Slot def = null;
    for (Entry e : entries) {
      Slot slot;
      switch (kind(e.pattern())) {
        case DEFAULT -> {
          if (def == null) {
            def = new Slot("/", "");
          }
          slot = def;
        }
        case PREFIX -> slot = prefixSlots.computeIfAbsent(
            e.pattern(), p -> new Slot(p, p.substring(0, p.length() - 2)));
        case EXTENSION -> slot = extensions.computeIfAbsent(e.pattern().substring(2), x -> new Slot(e.pattern(), ""));
        default -> slot = exact.computeIfAbsent(e.pattern(), p -> new Slot(p, ""));
      }
      if (e.method() == null) {
        slot.any = e.route();
      } else {
        slot.byMethod.put(e.method(), e.route());
      }
    }
    fallback = def;
    prefixes = prefixSlots.values().toArray(new Slot[0]);
    java.util.Arrays.sort(prefixes, (a, b) -> Integer.compare(b.pattern.length(), a.pattern.length()));
    size = entries.size();
  }

  /** A table with no routes. */
  public static RouteTable empty() {
    return EMPTY;
  }

  /** A builder for a table. */
  public static Builder builder() {
    return new Builder();
  }

  /** Whether the table has no routes. */
  public boolean isEmpty() {
    return size == 0;
  }

  /** Every policy of the table's routes, by name (one name is one policy: {@link Builder#build()} checks). */
  public Map<String, Policy> policiesByName() {
    return policies;
  }

  /** How many (method, pattern) entries the table holds. */
  public int size() {
    return size;
  }

  /**
   * The route of a request, or {@code null} if none applies.
   *
   * @param method the request's method, upper case as sent ({@code GET})
   * @param path the path within the application, starting with {@code /}
   */
  public @Nullable Route match(String method, String path) {
    if (size == 0) {
      return null;
    }
    Slot s = exact.get(path);
    if (s != null) {
      Route r = s.pick(method);
      if (r != null) {
        return r;
      }
    }
    for (Slot p : prefixes) {
      if (under(path, p.base)) {
        Route r = p.pick(method);
        if (r != null) {
          return r;
        }
      }
    }
    int slash = path.lastIndexOf('/');
    int dot = path.lastIndexOf('.');
    if (dot > slash && !extensions.isEmpty()) {
      Slot x = extensions.get(path.substring(dot + 1));
      if (x != null) {
        Route r = x.pick(method);
        if (r != null) {
          return r;
        }
      }
    }
    return fallback == null ? null : fallback.pick(method);
  }

  /** Whether {@code path} is {@code base} or below it ({@code "/api"} covers {@code /api} and {@code /api/x}). */
  private static boolean under(String path, String base) {
    if (base.isEmpty()) {
      return true;
    }
    return path.startsWith(base) && (path.length() == base.length() || path.charAt(base.length()) == '/');
  }

  private enum Kind { EXACT, PREFIX, EXTENSION, DEFAULT }

  private static Kind kind(String pattern) {
    int star = pattern.indexOf('*');
    if (pattern.equals("/")) {
      return Kind.DEFAULT;
    }
    if (pattern.startsWith("/") && pattern.endsWith("/*") && star == pattern.length() - 1) {
      return Kind.PREFIX;
    }
    if (pattern.startsWith("*.") && pattern.length() > 2 && pattern.indexOf('/') < 0 && pattern.indexOf('*', 1) < 0) {
      return Kind.EXTENSION;
    }
    if (pattern.startsWith("/") && star < 0) {
      return Kind.EXACT;
    }
    throw new IllegalArgumentException(
        "route pattern '" + pattern + "' is not a servlet URL pattern (/exact, /prefix/*, *.ext or /)");
  }

  /** Collects routes; each (method, pattern) pair once. Not thread-safe; may build several tables. */
  public static final class Builder {
    private final List<Entry> entries = new ArrayList<>();

    private Builder() {}

    /**
     * Adds a route for one method ({@code null}: every method) of a servlet URL pattern: {@code /exact},
     * {@code /prefix/*}, {@code *.ext} or {@code /}.
     *
     * @throws IllegalArgumentException if the pattern is not a servlet URL pattern, or the same method and
     *     pattern already have a route (the builder is then unchanged)
     */
    public Builder add(@Nullable String method, String pattern, Route route) {
      Objects.requireNonNull(pattern, "pattern");
      Objects.requireNonNull(route, "route");
      String m = method == null ? null : method.toUpperCase(Locale.ROOT);
      kind(pattern);
      for (Entry e : entries) {
        if (e.pattern().equals(pattern) && Objects.equals(e.method(), m)) {
          throw new IllegalArgumentException("route " + (m == null ? "" : m + " ") + pattern + " is mapped twice");
        }
      }
      entries.add(new Entry(m, pattern, route));
      return this;
    }

    /** Adds every route of {@code other}'s entries, as {@link #add} would. */
    public Builder addAll(Builder other) {
      for (Entry e : List.copyOf(other.entries)) {
        add(e.method(), e.pattern(), e.route());
      }
      return this;
    }

    /**
     * The table of the routes added so far.
     *
     * @throws IllegalArgumentException if two routes use one policy name for two different policies (the
     *     engine would refuse the second when its first request arrives; say so now instead)
     */
    public RouteTable build() {
      Map<String, Policy> byName = new HashMap<>();
      for (Entry e : entries) {
        for (Policy p : e.route().policies()) {
          checkOneName(byName, p, (e.method() == null ? "" : e.method() + " ") + e.pattern());
        }
      }
      return entries.isEmpty() ? EMPTY : new RouteTable(List.copyOf(entries), byName);
    }
  }

  /**
   * Remembers {@code policy} under its name in {@code byName}, refusing a different policy of the same name.
   * Adapters use it for routes outside a table too (annotated JAX-RS methods).
   *
   * @param where what declared the policy, for the message
   * @throws IllegalArgumentException naming the policy and {@code where}, if another policy has its name
   */
  public static void checkOneName(Map<String, Policy> byName, Policy policy, String where) {
    Policy earlier = byName.putIfAbsent(policy.name(), policy);
    if (earlier != null && !earlier.equals(policy)) {
      throw new IllegalArgumentException(
          "policy '" + policy.name() + "' of " + where + " differs from another policy of that name: "
              + policy + " vs " + earlier + "; one name must mean one policy");
    }
  }
}
