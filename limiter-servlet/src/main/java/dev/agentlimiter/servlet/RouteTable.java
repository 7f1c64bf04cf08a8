package dev.agentlimiter.servlet;

import dev.agentlimiter.api.Route;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Servlet URL patterns to routes, matched as the Servlet specification maps requests to servlets: an exact
 * path wins, then the longest {@code /prefix/*}, then {@code *.extension}, then {@code /} (default). Within
 * one pattern a method-specific entry wins over one for every method. Immutable once built; thread-safe.
 */
final class RouteTable {

  private record Entry(@Nullable String method, String pattern, Route route) {}

  private final Map<String, List<Entry>> exact = new HashMap<>();
  private final List<Entry> prefixes = new ArrayList<>(); // longest first
  private final Map<String, List<Entry>> extensions = new HashMap<>();
  private final List<Entry> defaults = new ArrayList<>();

  boolean isEmpty() {
    return exact.isEmpty() && prefixes.isEmpty() && extensions.isEmpty() && defaults.isEmpty();
  }

  /**
   * Adds a route.
   *
   * @throws IllegalArgumentException if the pattern is not a servlet URL pattern, or the same method and
   *     pattern already have a route
   */
  void add(@Nullable String method, String pattern, Route route) {
    String m = method == null ? null : method.toUpperCase(Locale.ROOT);
    int star = pattern.indexOf('*');
    List<Entry> bucket;
    if (pattern.equals("/")) {
      bucket = defaults;
    } else if (pattern.startsWith("/") && pattern.endsWith("/*") && star == pattern.length() - 1) {
      bucket = prefixes;
    } else if (pattern.startsWith("*.") && pattern.length() > 2 && pattern.indexOf('/') < 0
        && pattern.indexOf('*', 1) < 0) {
      bucket = extensions.computeIfAbsent(pattern.substring(2), k -> new ArrayList<>());
    } else if (pattern.startsWith("/") && star < 0) {
      bucket = exact.computeIfAbsent(pattern, k -> new ArrayList<>());
    } else {
      throw new IllegalArgumentException(
          "route pattern '" + pattern + "' is not a servlet URL pattern (/exact, /prefix/*, *.ext or /)");
    }
    for (Entry e : bucket) {
      if (e.pattern().equals(pattern) && java.util.Objects.equals(e.method(), m)) {
        throw new IllegalArgumentException(
            "route " + (m == null ? "" : m + " ") + pattern + " is mapped twice");
      }
    }
    bucket.add(new Entry(m, pattern, route));
    if (bucket == prefixes) {
      prefixes.sort((a, b) -> Integer.compare(b.pattern().length(), a.pattern().length()));
    }
  }

  /** The route of a request, or {@code null} if none applies (the filter then does nothing). */
  @Nullable Route match(String method, String path) {
    Route r = pick(exact.get(path), method);
    if (r != null) {
      return r;
    }
    for (int i = 0; i < prefixes.size(); i++) {
      Entry e = prefixes.get(i);
      String base = e.pattern().substring(0, e.pattern().length() - 2); // "/api" of "/api/*"
      if ((path.equals(base) || path.startsWith(base + "/") || base.isEmpty())
          && (e.method() == null || e.method().equals(method))) {
        Route specific = pickPrefix(e.pattern(), method);
        return specific != null ? specific : e.route();
      }
    }
    int slash = path.lastIndexOf('/');
    int dot = path.lastIndexOf('.');
    if (dot > slash) {
      r = pick(extensions.get(path.substring(dot + 1)), method);
      if (r != null) {
        return r;
      }
    }
    return pick(defaults, method);
  }

  private @Nullable Route pickPrefix(String pattern, String method) {
    List<Entry> same = new ArrayList<>();
    for (Entry e : prefixes) {
      if (e.pattern().equals(pattern)) {
        same.add(e);
      }
    }
    return pick(same, method);
  }

  private static @Nullable Route pick(@Nullable List<Entry> entries, String method) {
    if (entries == null) {
      return null;
    }
    Route any = null;
    for (Entry e : entries) {
      if (method.equals(e.method())) {
        return e.route();
      }
      if (e.method() == null) {
        any = e.route();
      }
    }
    return any;
  }
}
