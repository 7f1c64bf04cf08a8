package dev.agentlimiter.core.http;

import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Route;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.StringJoiner;
import org.jspecify.annotations.Nullable;

/**
 * Servlet URL patterns to routes, matched as the Servlet specification maps requests to servlets: an exact
 * path wins, then the longest {@code /prefix/*}, then {@code *.extension}, then {@code /} (default). Within
 * one pattern a method-specific entry wins over one for every method. Both adapters use it for the routes
 * configured by path, so a pattern means the same in front of a servlet and a JAX-RS resource.
 *
 * <p><b>Paths are matched in their {@linkplain #canonical canonical spelling}</b>, as front controllers
 * and routers match them: {@code /v1/orders/}, {@code /v1/orders/.}, {@code /v1//orders} and {@code
 * /v1/x/../orders} all meet the route of {@code /v1/orders}, and patterns are read the same way. With
 * {@link Builder#caseInsensitive(boolean)} case is ignored too ({@code /V1/Orders}), for applications that
 * route so.
 *
 * <p>Immutable and thread-safe; {@link #match} allocates nothing for a path that is already canonical (and,
 * when matching ignores case, has no upper-case letter).
 */
public final class RouteTable {

  private record Entry(@Nullable String method, String pattern, Route route) {}

  /** The entries of one pattern: the route for every method, and those for one method each. */
  private static final class Slot {
    final String pattern;
    final String base; // "/api" of "/api/*"; "" for "/*"
    @Nullable Match any;
    final Map<String, Match> byMethod = new HashMap<>(4);

    Slot(String pattern, String base) {
      this.pattern = pattern;
      this.base = base;
    }

    @Nullable Match pick(String method) {
      if (!byMethod.isEmpty()) {
        Match r = byMethod.get(method);
        if (r != null) {
          return r;
        }
      }
      return any;
    }
  }

  private static final RouteTable EMPTY = new RouteTable(List.of(), Map.of(), false);

  private final Map<String, Slot> exact = new HashMap<>();
  private final Slot[] prefixes; // longest first
  private final Map<String, Slot> extensions = new HashMap<>();
  private final @Nullable Slot fallback;
  private final int size;
  private final Map<String, Policy> policies;
  private final boolean caseInsensitive;
  private final List<Route> allRoutes;

  /** {@code entries}' patterns are {@linkplain #key keys} already, folded if {@code caseInsensitive}. */
  private RouteTable(List<Entry> entries, Map<String, Policy> policies, boolean caseInsensitive) {
    this.policies = Map.copyOf(policies);
    this.caseInsensitive = caseInsensitive;
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
      Match m = new Match(e.route(), e.pattern());
      if (e.method() == null) {
        slot.any = m;
      } else {
        slot.byMethod.put(e.method(), m);
      }
    }
    fallback = def;
    prefixes = prefixSlots.values().toArray(new Slot[0]);
    java.util.Arrays.sort(prefixes, (a, b) -> Integer.compare(b.pattern.length(), a.pattern.length()));
    size = entries.size();
    java.util.Set<Route> distinct = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    for (Entry e : entries) {
      distinct.add(e.route());
    }
    allRoutes = List.copyOf(distinct);
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

  /** Every route of the table, in no particular order, each once. */
  public List<Route> routes() {
    return allRoutes;
  }

  /** How many (method, pattern) entries the table holds. */
  public int size() {
    return size;
  }

  /** Whether the table matches paths ignoring case ({@link Builder#caseInsensitive(boolean)}). */
  public boolean caseInsensitive() {
    return caseInsensitive;
  }

  /**
   * The route of a request, or {@code null} if none applies. The path is matched in its {@linkplain
   * #canonical canonical spelling} (and ignoring case if the table does), so every spelling of a path that
   * a router serves as that path meets the same route.
   *
   * @param method the request's method, upper case as sent ({@code GET})
   * @param path the path within the application, decoded (as the container or the JAX-RS implementation
   *     matched it), starting with {@code /}
   */
  public @Nullable Route match(String method, String path) {
    Match m = lookup(method, path);
    return m == null ? null : m.route();
  }

  /**
   * A route and the pattern it was registered under, as {@link #lookup} finds them (the pattern as given,
   * folded to lower case in a case-insensitive table): the pattern names the route in decision events and
   * metrics, one value per route whatever the paths.
   *
   * @param route the route
   * @param pattern its pattern, such as {@code /orders/*}
   */
  public record Match(Route route, String pattern) {}

  /** {@link #match}, with the pattern that matched; allocates nothing. */
  public @Nullable Match lookup(String method, String path) {
    if (size == 0) {
      return null;
    }
    String key = canonical(path);
    if (caseInsensitive) {
      key = fold(key);
    }
    Slot s = exact.get(key);
    if (s != null) {
      Match r = s.pick(method);
      if (r != null) {
        return r;
      }
    }
    for (Slot p : prefixes) {
      if (under(key, p.base)) {
        Match r = p.pick(method);
        if (r != null) {
          return r;
        }
      }
    }
    int slash = key.lastIndexOf('/');
    int dot = key.lastIndexOf('.');
    if (dot > slash && !extensions.isEmpty()) {
      Slot x = extensions.get(key.substring(dot + 1));
      if (x != null) {
        Match r = x.pick(method);
        if (r != null) {
          return r;
        }
      }
    }
    return fallback == null ? null : fallback.pick(method);
  }

  /**
   * The canonical spelling of a decoded path within the application, the one {@link #match} matches: empty
   * segments (doubled and trailing slashes) and {@code .} segments removed, each {@code ..} segment removing
   * the segment before it (RFC 3986, section 5.2.4; never above the root), and a leading {@code /} added if
   * missing. So {@code /v1/orders/}, {@code /v1/orders/.}, {@code /v1/orders/./}, {@code /v1//orders//} and
   * {@code /v1/x/../orders} are all {@code /v1/orders}, and {@code //}, {@code /.} and {@code /x/..} are
   * {@code /}. Case, percent signs and {@code ;} are left as they are: the adapters hand over paths that are
   * already decoded and without path parameters.
   *
   * @return {@code path} itself, without allocating, when it is already canonical
   */
  public static String canonical(String path) {
    if (isCanonical(path)) {
      return path;
    }
    StringBuilder out = new StringBuilder(path.length() + 1);
    int n = path.length();
    int i = 0;
    while (i <= n) {
      int end = path.indexOf('/', i);
      if (end < 0) {
        end = n;
      }
      int length = end - i;
      if (length == 2 && path.charAt(i) == '.' && path.charAt(i + 1) == '.') {
        out.setLength(Math.max(0, out.lastIndexOf("/")));
      } else if (length > 0 && !(length == 1 && path.charAt(i) == '.')) {
        out.append('/').append(path, i, end);
      }
      i = end + 1;
    }
    return out.length() == 0 ? "/" : out.toString();
  }

  /** Whether {@code path} starts with {@code /} and has no empty, {@code .} or {@code ..} segment. */
  private static boolean isCanonical(String path) {
    int n = path.length();
    if (n == 0 || path.charAt(0) != '/') {
      return false;
    }
    if (n == 1) {
      return true;
    }
    if (path.charAt(n - 1) == '/') {
      return false;
    }
    for (int i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) {
      int s = i + 1; // a segment starts here, and is not at the end: the path does not end with '/'
      char c = path.charAt(s);
      if (c == '/') {
        return false;
      }
      if (c == '.') {
        if (s + 1 == n || path.charAt(s + 1) == '/') {
          return false;
        }
        if (path.charAt(s + 1) == '.' && (s + 2 == n || path.charAt(s + 2) == '/')) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * {@code s} with every code point {@code c} replaced by {@code toLowerCase(toUpperCase(c))}: two strings
   * fold alike exactly when {@link String#equalsIgnoreCase} holds for them, the comparison a router that
   * ignores case uses. {@code s} itself if nothing changes.
   */
  static String fold(String s) {
    int n = s.length();
    for (int i = 0; i < n; ) {
      int c = s.codePointAt(i);
      if (foldOf(c) != c) {
        StringBuilder out = new StringBuilder(n).append(s, 0, i);
        for (int j = i; j < n; ) {
          int d = s.codePointAt(j);
          out.appendCodePoint(foldOf(d));
          j += Character.charCount(d);
        }
        return out.toString();
      }
      i += Character.charCount(c);
    }
    return s;
  }

  private static int foldOf(int codePoint) {
    return Character.toLowerCase(Character.toUpperCase(codePoint));
  }

  /**
   * The form of a pattern the table keeps: exact paths and prefixes' bases {@linkplain #canonical
   * canonical} ({@code /v1/orders/} is {@code /v1/orders}, {@code //*} is {@code /*}), and everything folded
   * if {@code caseInsensitive}.
   */
  private static String key(String pattern, boolean caseInsensitive) {
    String key =
        switch (kind(pattern)) {
          case DEFAULT, EXTENSION -> pattern;
          case PREFIX -> {
            String base = canonical(pattern.substring(0, pattern.length() - 2));
            yield base.equals("/") ? "/*" : base + "/*";
          }
          case EXACT -> {
            String path = canonical(pattern);
            if (path.equals("/")) {
              throw new IllegalArgumentException(
                  "route pattern '" + pattern + "' is the root path, which no exact pattern can name (/ is the"
                      + " default pattern, every path)");
            }
            yield path;
          }
        };
    return caseInsensitive ? fold(key) : key;
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

  /**
   * Collects routes; each (method, pattern) pair once, patterns compared in their canonical spelling. Not
   * thread-safe; may build several tables.
   */
  public static final class Builder {
    private final List<Entry> entries = new ArrayList<>();
    private boolean caseInsensitive;

    private Builder() {}

    /**
     * Whether the table matches paths ignoring case, as {@link String#equalsIgnoreCase} compares (default
     * {@code false}: case-sensitive, as the Servlet specification and Jakarta REST match). Turn it on where
     * the application routes ignoring case, or {@code /V1/Orders} reaches the handler of {@code /v1/orders}
     * without its route. Two patterns that differ only in case are then one pattern: {@link #build()}
     * refuses them.
     */
    public Builder caseInsensitive(boolean ignoreCase) {
      caseInsensitive = ignoreCase;
      return this;
    }

    /** Whether {@link #caseInsensitive(boolean)} is on. */
    boolean isCaseInsensitive() {
      return caseInsensitive;
    }

    /**
     * Adds a route for one method ({@code null}: every method) of a servlet URL pattern: {@code /exact},
     * {@code /prefix/*}, {@code *.ext} or {@code /}. Exact paths and prefixes are read in their {@linkplain
     * RouteTable#canonical canonical spelling}: {@code /v1/orders/} is the pattern {@code /v1/orders}.
     *
     * @throws IllegalArgumentException if the pattern is not a servlet URL pattern, or the same method and
     *     pattern (in its canonical spelling) already have a route (the builder is then unchanged)
     */
    public Builder add(@Nullable String method, String pattern, Route route) {
      Objects.requireNonNull(pattern, "pattern");
      Objects.requireNonNull(route, "route");
      String m = method == null ? null : method.toUpperCase(Locale.ROOT);
      String key = key(pattern, false);
      for (Entry e : entries) {
        if (Objects.equals(e.method(), m) && key(e.pattern(), false).equals(key)) {
          throw new IllegalArgumentException(
              "route " + (m == null ? "" : m + " ") + pattern + " is mapped twice"
                  + (e.pattern().equals(pattern) ? "" : " (as " + e.pattern() + ": both match " + key + ")"));
        }
      }
      entries.add(new Entry(m, pattern, route));
      return this;
    }

    /**
     * The entries in the order added, as {@code [METHOD ]pattern=route}, each marked {@code (shadow)} if
     * its route is in {@code shadowed}; for {@link AdapterOptions#toString()}.
     */
    String describe(Set<Route> shadowed) {
      StringJoiner out = new StringJoiner(", ", "[", "]");
      for (Entry e : entries) {
        out.add((e.method() == null ? "" : e.method() + " ") + e.pattern() + "=" + e.route()
            + (shadowed.contains(e.route()) ? " (shadow)" : ""));
      }
      return out.toString();
    }

    /** Adds every route of {@code other}'s entries, as {@link #add} would (not its {@link #caseInsensitive} setting). */
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
     *     engine would refuse the second when its first request arrives; say so now instead), or, matching
     *     ignoring case, two patterns of one method differ only in case
     */
    public RouteTable build() {
      Map<String, Policy> byName = new HashMap<>();
      List<Entry> keyed = new ArrayList<>(entries.size());
      Map<String, String> patternOfKey = new HashMap<>();
      for (Entry e : entries) {
        for (Policy p : e.route().policies()) {
          checkOneName(byName, p, (e.method() == null ? "" : e.method() + " ") + e.pattern());
        }
        String key = key(e.pattern(), caseInsensitive);
        String earlier = patternOfKey.putIfAbsent(e.method() + " " + key, e.pattern());
        if (earlier != null) {
          throw new IllegalArgumentException(
              "routes " + (e.method() == null ? "" : e.method() + " ") + earlier + " and " + e.pattern()
                  + " differ only in case; matching ignoring case, both are " + key);
        }
        keyed.add(new Entry(e.method(), key, e.route()));
      }
      return entries.isEmpty() ? EMPTY : new RouteTable(keyed, byName, caseInsensitive);
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
