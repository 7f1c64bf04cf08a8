package dev.agentlimiter.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Route;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The spelling rule of {@link RouteTable#match} (issue 14, item 5). <b>Invariant:</b> for any table of
 * routes, any path {@code P} in its canonical spelling, and any spelling {@code S} that a front controller
 * serves as {@code P} — {@code P} with doubled slashes, a trailing slash, {@code .} segments and {@code
 * x/..} detours at any segment boundary, and, for a table that ignores case, any letter's case changed —
 * {@code match(m, S) == match(m, P)} for every method {@code m}. Beside it: {@link RouteTable#canonical}
 * agrees with a direct statement of RFC 3986's {@code remove_dot_segments} on any string, and answers a
 * canonical path itself.
 */
class RouteSpellingProperties {

  /** Segments, none of them empty, {@code .} or {@code ..}: letters of both cases, dots, non-ASCII case pairs. */
  private static final List<String> SEGMENTS =
      List.of("v1", "orders", "Orders", "42", "a.json", "x.JSON", "api", "..a", ".b", "c.", "\u00df", "\u212A", "\u0130");

  /** What a spelling may put at a segment boundary without changing the path a router serves. */
  private static final List<String> NOISE = List.of("", "", "/", "//", "/.", "/./", "/.//", "/q/..", "/./q/../");

  /** A pattern of a route: method ({@code *} for every method) and servlet URL pattern. */
  record Spec(String method, String pattern) {}

  /**
   * The canonical spelling, stated directly: split on {@code /}, drop empty and {@code .} segments, let
   * {@code ..} drop the segment before it, join under {@code /}.
   */
  static String reference(String path) {
    Deque<String> out = new ArrayDeque<>();
    for (String segment : path.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".")) {
        continue;
      }
      if (segment.equals("..")) {
        out.pollLast();
        continue;
      }
      out.addLast(segment);
    }
    return "/" + String.join("/", out);
  }

  private static String path(List<String> segments) {
    return "/" + String.join("/", segments);
  }

  /** {@code segments} spelled with {@code noise.get(i)} before the first and after the i-th segment. */
  private static String spelling(List<String> segments, List<String> noise) {
    StringBuilder s = new StringBuilder(noise.get(0));
    for (int i = 0; i < segments.size(); i++) {
      s.append('/').append(segments.get(i)).append(noise.get(i + 1));
    }
    return s.toString();
  }

  /** Every letter of {@code s} in upper or lower case, as {@code seed} says. */
  private static String anyCase(String s, long seed) {
    Random random = new Random(seed);
    StringBuilder out = new StringBuilder(s.length());
    s.codePoints()
        .forEach(c -> out.appendCodePoint(random.nextBoolean() ? Character.toUpperCase(c) : Character.toLowerCase(c)));
    return out.toString();
  }

  private static RouteTable table(List<Spec> specs, boolean caseInsensitive) {
    RouteTable.Builder b = RouteTable.builder().caseInsensitive(caseInsensitive);
    int n = 0;
    for (Spec spec : specs) {
      Route route =
          Route.of(Policy.named("p" + n++).limit(Limit.capacity(1).refill(1).per(Duration.ofSeconds(1))).build());
      try {
        b.add(spec.method().equals("*") ? null : spec.method(), spec.pattern(), route);
      } catch (IllegalArgumentException mappedTwice) {
        // the same pattern in another spelling: one route is enough
      }
    }
    return b.build();
  }

  @Provide
  Arbitrary<List<String>> segments() {
    return Arbitraries.of(SEGMENTS).list().ofMaxSize(4);
  }

  @Provide
  Arbitrary<List<String>> noise() {
    return Arbitraries.of(NOISE).list().ofSize(5);
  }

  @Provide
  Arbitrary<String> methods() {
    return Arbitraries.of("GET", "POST");
  }

  private static Arbitrary<List<Spec>> specs(List<String> segments, String... others) {
    Arbitrary<List<String>> parts = Arbitraries.of(segments).list().ofMinSize(1).ofMaxSize(3);
    Arbitrary<String> pattern =
        Arbitraries.oneOf(
            parts.map(RouteSpellingProperties::path), // exact
            parts.map(p -> path(p) + "/*"), // prefix
            Arbitraries.of(others)); // every path, extensions, default
    return Combinators.combine(Arbitraries.of("GET", "POST", "*"), pattern).as(Spec::new).list().ofMaxSize(8);
  }

  @Provide
  Arbitrary<List<Spec>> tables() {
    return specs(SEGMENTS, "/*", "*.json", "*.JSON", "/");
  }

  /** Patterns a table that ignores case can hold together: no two differ only in case. */
  @Provide
  Arbitrary<List<Spec>> foldedTables() {
    return specs(SEGMENTS.stream().map(RouteTable::fold).distinct().toList(), "/*", "*.json", "/");
  }

  @Property
  void everySpellingARouterServesAsAPathMeetsThatPathsRoute(
      @ForAll("tables") List<Spec> specs,
      @ForAll("segments") List<String> segments,
      @ForAll("noise") List<String> noise,
      @ForAll("methods") String method) {
    RouteTable t = table(specs, false);
    String p = path(segments);
    String s = spelling(segments, noise);
    assertThat(RouteTable.canonical(s)).as(s).isEqualTo(p);
    assertThat(t.match(method, s)).as("%s %s vs %s", method, s, p).isSameAs(t.match(method, p));
  }

  @Property
  void ignoringCaseEverySpellingInAnyCaseMeetsThatPathsRoute(
      @ForAll("foldedTables") List<Spec> specs,
      @ForAll("segments") List<String> segments,
      @ForAll("noise") List<String> noise,
      @ForAll("methods") String method,
      @ForAll long seed) {
    RouteTable t = table(specs, true);
    String p = path(segments);
    String s = anyCase(spelling(segments, noise), seed);
    assertThat(s.equalsIgnoreCase(spelling(segments, noise))).isTrue();
    assertThat(t.match(method, s)).as("%s %s vs %s", method, s, p).isSameAs(t.match(method, p));
  }

  @Provide
  Arbitrary<String> anyPaths() {
    return Arbitraries.strings().withChars("/.aB%;").ofMaxLength(14);
  }

  @Property
  void canonicalIsRemoveDotSegmentsAndAnswersACanonicalPathItself(@ForAll("anyPaths") String path) {
    String canonical = RouteTable.canonical(path);
    assertThat(canonical).as(path).isEqualTo(reference(path));
    assertThat(RouteTable.canonical(canonical)).isSameAs(canonical);
    if (canonical.equals(path)) {
      assertThat(canonical).isSameAs(path);
    }
  }

  @Property
  void foldingIsEqualsIgnoreCase(@ForAll("anyCaseStrings") String a, @ForAll("anyCaseStrings") String b) {
    assertThat(RouteTable.fold(a).equals(RouteTable.fold(b))).as("%s vs %s", a, b).isEqualTo(a.equalsIgnoreCase(b));
  }

  @Provide
  Arbitrary<String> anyCaseStrings() {
    return Arbitraries.strings().withChars("aAkK\u212A\u00df\u0130\u0131iIs\u017fS\u03c3\u03c2\u03a3").ofMaxLength(3);
  }
}
