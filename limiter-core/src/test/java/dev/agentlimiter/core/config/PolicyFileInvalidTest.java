package dev.agentlimiter.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.agentlimiter.core.config.PolicyFiles.Format;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every refusal of the parser, one case per line: the snippet, and the one problem it must produce (line,
 * column, JSON pointer and a fragment of the message). YAML and JSON.
 */
class PolicyFileInvalidTest {

  private static final Format Y = Format.YAML;
  private static final Format J = Format.JSON;

  /** A YAML file whose only policy has one limit, written as a flow mapping starting at line 5, column 9. */
  private static String limit(String flow) {
    return "version: 1\npolicies:\n  search:\n    limits:\n      - " + flow + "\n";
  }

  /** A YAML file with policy 'search' whose fields start at line 4, column 5, then a valid limit list. */
  private static String policy(String fields) {
    return "version: 1\npolicies:\n  search:\n    " + fields
        + "\n    limits: [{ capacity: 10, refill: 1, per: 1s }]\n";
  }

  /** A YAML file with a valid policy 'search' (lines 2-3) and then {@code rest} from line 4. */
  private static String withSearch(String rest) {
    return "version: 1\npolicies:\n  search: { limits: [{ capacity: 10, refill: 1, per: 1s }] }\n" + rest;
  }

  private static String lines(String... lines) {
    return String.join("\n", lines) + "\n";
  }

  private static final String J_LIMIT = "{\"version\": 1, \"policies\": {\"search\": {\"limits\": [";

  static Stream<Arguments> cases() {
    return Stream.of(
        // --- limits
        c(Y, limit("{ capacity: 20, refill: 10, per: 1s, refil: 10 }"), 5, 46, "/policies/search/limits/0/refil",
            "unknown field 'refil'; allowed: name, capacity, refill, per, initialTokens"),
        c(Y, limit("{ capacity: 0, refill: 10, per: 1s }"), 5, 21, "/policies/search/limits/0/capacity",
            "must be > 0 but was 0"),
        c(Y, limit("{ capacity: 20, refill: -5, per: 1s }"), 5, 33, "/policies/search/limits/0/refill",
            "must be > 0 but was -5"),
        c(Y, limit("{ capacity: 20, refill: 10, per: soon }"), 5, 42, "/policies/search/limits/0/per",
            "expected a duration such as 1s, 500ms or PT1M but was 'soon'"),
        c(Y, limit("{ capacity: 20, refill: 10, per: 0s }"), 5, 42, "/policies/search/limits/0/per",
            "must be > 0 but was 0s"),
        c(Y, limit("{ capacity: 20, refill: 10, per: 5 }"), 5, 42, "/policies/search/limits/0/per",
            "expected a duration such as 1s, 500ms or PT1M but was the number 5"),
        c(Y, limit("{ capacity: 20, refill: 10, per: -PT1S }"), 5, 42, "/policies/search/limits/0/per",
            "expected a duration"),
        c(Y, limit("{ capacity: \"20\", refill: 10, per: 1s }"), 5, 21, "/policies/search/limits/0/capacity",
            "expected an integer but was the string '20'"),
        c(Y, limit("{ capacity: 010, refill: 10, per: 1s }"), 5, 21, "/policies/search/limits/0/capacity",
            "expected a decimal integer such as 10 but was '010' (which YAML reads as 8)"),
        c(Y, limit("{ capacity: 0x10, refill: 10, per: 1s }"), 5, 21, "/policies/search/limits/0/capacity",
            "expected a decimal integer such as 10 but was '0x10' (which YAML reads as 16)"),
        c(Y, limit("{ capacity: 1_000, refill: 10, per: 1s }"), 5, 21, "/policies/search/limits/0/capacity",
            "expected a decimal integer such as 10 but was '1_000'"),
        c(Y, limit("{ capacity: 2.5, refill: 10, per: 1s }"), 5, 21, "/policies/search/limits/0/capacity",
            "expected an integer but was the number 2.5"),
        c(Y, limit("{ capacity: 99999999999999999999, refill: 1, per: 1s }"), 5, 21,
            "/policies/search/limits/0/capacity", "must be <= 9223372036854775807"),
        c(Y, limit("{ capacity: 20, refill: 10, per: 1s, initialTokens: 21 }"), 5, 61,
            "/policies/search/limits/0/initialTokens", "must be between 0 and the capacity 20 but was 21"),
        c(Y, limit("{ capacity: 20, refill: 10, per: PT0.000000001S }"), 5, 33, "/policies/search/limits/0/refill",
            "refill must be at most one token per nanosecond"),
        c(Y, limit("{ name: \"a b\", capacity: 20, refill: 10, per: 1s }"), 5, 17, "/policies/search/limits/0/name",
            "a limit name has 1 to 64 letters, digits, '.', '_' or '-' but was 'a b'"),
        c(Y, limit("{ refill: 10, per: 1s }"), 5, 9, "/policies/search/limits/0/capacity",
            "missing required field 'capacity'"),
        c(Y, limit("20"), 5, 9, "/policies/search/limits/0", "expected a mapping but was the number 20"),
        // --- policies
        c(Y, policy("lane: \"a b\""), 4, 11, "/policies/search/lane", "may contain only letters"),
        c(Y, policy("lane: null"), 4, 11, "/policies/search/lane", "expected a string but was null"),
        c(Y, policy("lane: ~"), 4, 11, "/policies/search/lane", "expected a string but was null"),
        c(Y, policy("cost: 0"), 4, 11, "/policies/search/cost", "must be > 0 but was 0"),
        c(Y, policy("cost: 11"), 5, 13, "/policies/search/limits", "capacity 10 is below the cost 11"),
        c(Y, policy("burst: {}"), 4, 5, "/policies/search/burst",
            "unknown field 'burst'; allowed: lane, cost, inheritance, limits, concurrency, loopDetection"),
        c(Y, policy("inheritance: sometimes"), 4, 18, "/policies/search/inheritance",
            "expected one of as-is, proportional, reset but was 'sometimes'"),
        c(Y, "version: 1\npolicies:\n  search: { lane: x }\n", 3, 11, "/policies/search/limits",
            "missing required field 'limits'"),
        c(Y, "version: 1\npolicies:\n  search: { limits: [] }\n", 3, 21, "/policies/search/limits",
            "a policy needs at least one limit but the list is empty"),
        c(Y, "version: 1\npolicies:\n  \"bad name\": { limits: [] }\n", 3, 3, "/policies/bad name",
            "a policy name has 1 to 64 letters, digits, '.', '_' or '-' but was 'bad name'"),
        c(Y, "version: 1\npolicies: [search]\n", 2, 11, "/policies", "expected a mapping but was a list"),
        // --- defences
        c(Y, policy("concurrency: { maxInFlight: 0 }"), 4, 33, "/policies/search/concurrency/maxInFlight",
            "must be > 0 but was 0"),
        c(Y, policy("concurrency: { maxInFlight: 200000 }"), 4, 33, "/policies/search/concurrency/maxInFlight",
            "must be between 1 and 100000 but was 200000"),
        c(Y, policy("concurrency: { maxInFlight: 4, maxHold: 2d }"), 4, 45,
            "/policies/search/concurrency/maxHold", "concurrency: maxHold must be > 0 and <= PT24H but was PT48H"),
        c(Y, policy("loopDetection: { repeats: 2, window: 10s, errorRepeats: 3 }"), 4, 61,
            "/policies/search/loopDetection/errorRepeats", "errorRepeats must be between 1 and 2 but was 3"),
        c(Y, policy("loopDetection: { repeats: 2 }"), 4, 20, "/policies/search/loopDetection/window",
            "missing required field 'window'"),
        c(Y, policy("burstDetection: { factor: 8, mode: always }"), 4, 40, "/policies/search/burstDetection/mode",
            "expected one of report, throttle but was 'always'"),
        c(Y, policy("burstDetection: { factor: 1 }"), 4, 31, "/policies/search/burstDetection/factor",
            "factor must be between 2 and 1000 but was 1"),
        c(Y, policy("quarantine: { denials: 5, within: 1m, duration: 2h, maximum: 1h }"), 4, 66,
            "/policies/search/quarantine/maximum", "maximum must be >= duration (PT2H) but was PT1H"),
        c(Y, policy("quarantine: { denials: 5, within: 1m, onLoop: no }"), 4, 51,
            "/policies/search/quarantine/onLoop", "expected true or false but was the string 'no'"),
        c(Y, policy("reputation: { errorPercent: 20, window: 1m, floorPercent: 60, ceilingPercent: 50 }"), 4, 63,
            "/policies/search/reputation/floorPercent", "floorPercent must be between 1 and 50 but was 60"),
        c(Y, policy("budget: { name: llm, amount: 100, reset: fixed }"), 4, 13, "/policies/search/budget/interval",
            "a fixed budget needs an interval"),
        c(Y, policy("budget: { name: llm, amount: 100, reset: daily, interval: 1h }"), 4, 63,
            "/policies/search/budget/interval", "only a fixed budget has an interval"),
        // --- references, tiers, routes
        c(Y, "version: 1\nroutes:\n  - { pattern: /search, policies: [serch] }\n", 3, 36, "/routes/0/policies/0",
            "policy 'serch' is not defined in this file; defined: []"),
        c(Y, withSearch("tiers:\n  pro: { search: search-pro }\n"), 5, 18, "/tiers/pro/search",
            "policy 'search-pro' is not defined in this file; defined: [search]"),
        c(Y, withSearch("tiers:\n  pro: { search: search }\n"), 5, 18, "/tiers/pro/search",
            "the replacement of policy 'search' needs a name of its own"),
        c(Y, withSearch("routes:\n  - { pattern: search }\n"), 5, 16, "/routes/0/pattern",
            "pattern 'search' is not a servlet URL pattern (/exact, /prefix/*, *.ext or /)"),
        c(Y, withSearch("routes:\n  - { method: \"GE T\", pattern: /s }\n"), 5, 15, "/routes/0/method", "GE T"),
        c(Y, withSearch("routes:\n  - { pattern: /s, scopes: [\"a\\\"b\"] }\n"), 5, 29, "/routes/0/scopes/0",
            "must be printable ASCII without spaces, quotes or backslashes"),
        c(Y, withSearch("routes:\n  - { pattern: /s, policies: [search] }\n  - { pattern: /s }\n"), 6, 5,
            "/routes/1", "route /s is mapped twice"),
        c(Y, withSearch("routes:\n  - { pattern: /s, anonymous: \"true\" }\n"), 5, 31, "/routes/0/anonymous",
            "expected true or false but was the string 'true'"),
        c(Y, withSearch("routes:\n  - { pattern: /s, rules: { maxBodyBytes: -1 } }\n"), 5, 43,
            "/routes/0/rules/maxBodyBytes", "must be >= 0 but was -1"),
        c(Y, withSearch("routes:\n  - { pattern: /s, rules: { contentTypes: [json] } }\n"), 5, 44,
            "/routes/0/rules/contentTypes/0", "content type: must be type/subtype but was 'json'"),
        c(Y, withSearch("routes:\n  - { pattern: /s, policies: [{ name: other }] }\n"), 5, 31,
            "/routes/0/policies/0/limits", "missing required field 'limits'"),
        c(Y, withSearch("routes:\n  - { pattern: /s, policies: [{ name: search, limits: [{ capacity: 9, refill: 1, per: 1s }] }] }\n"),
            5, 31, "/routes/0/policies/0", "policy 'search' differs from /policies/search; one name must mean one policy"),
        c(Y, lines("version: 1", "routes:",
                "  - { pattern: /a, policies: [{ name: p, limits: [{ capacity: 1, refill: 1, per: 1s }] }] }",
                "  - { pattern: /b, policies: [{ name: p, limits: [{ capacity: 2, refill: 1, per: 1s }] }] }"),
            4, 31, "/routes/1/policies/0", "policy 'p' differs from its definition at /routes/0/policies/0"),
        // --- the document
        c(Y, "policies: {}\n", 1, 1, "/version", "missing required field 'version'"),
        c(Y, "version: 2\n", 1, 10, "/version", "unsupported version 2; expected 1"),
        c(Y, "version: 1\nlimits: []\n", 2, 1, "/limits",
            "unknown field 'limits'; allowed: version, inheritance, credentialFailureLimit, policies, tiers"),
        c(Y, "version: 1\ninheritance: Proportional\n", 2, 14, "/inheritance",
            "expected one of as-is, proportional, reset but was 'Proportional'"),
        c(Y, "- version: 1\n", 1, 1, "/", "expected a mapping but was a list"),
        c(Y, "", 1, 1, "/", "the file is empty"),
        c(Y, "version: 1\ncredentialFailureLimit: { capacity: 5, refill: 5 }\n", 2, 25,
            "/credentialFailureLimit/per", "missing required field 'per'"),
        // --- identity, audit, metrics, reload
        c(Y, "version: 1\nidentity: { trustedProxies: [\"10.0.0.0/33\"] }\n", 2, 30, "/identity/trustedProxies/0",
            "10.0.0.0/33"),
        c(Y, "version: 1\nidentity: { forwardedHeader: X-Client-IP }\n", 2, 30, "/identity/forwardedHeader",
            "expected one of X-Forwarded-For, Forwarded, X-Real-IP but was 'X-Client-IP'"),
        c(Y, "version: 1\nidentity: { jwt: [{ issuer: a, jwksUri: \"ftp://x/k\", audiences: [api], algorithms: [RS256] }] }\n",
            2, 41, "/identity/jwt/0/jwksUri", "expected an absolute https (or http) URI"),
        c(Y, "version: 1\nidentity: { jwt: [{ issuer: a, jwksUri: \"https://x/k\", audiences: [api], algorithms: [none] }] }\n",
            2, 87, "/identity/jwt/0/algorithms/0", "expected one of RS256, RS384, RS512, PS256"),
        c(Y, "version: 1\nidentity: { jwt: [{ issuer: a, jwksUri: \"https://x/k\", algorithms: [RS256] }] }\n",
            2, 19, "/identity/jwt/0/audiences", "missing required field 'audiences'"),
        c(Y, "version: 1\nidentity: { jwt: [{ issuer: a, jwksUri: \"https://x/k\", audiences: [x, y], algorithms: [RS256] }] }\n",
            2, 67, "/identity/jwt/0/audiences", "lists 2 audiences but the JWT resolver checks one per issuer"),
        c(Y, "version: 1\nidentity: { jwt: [{ issuer: a, jwksUri: \"https://x/k\", audiences: [x], algorithms: [RS256], requireExpiry: false }] }\n",
            2, 108, "/identity/jwt/0/requireExpiry", "must be true: limiter-jwt refuses every token without exp"),
        c(Y, lines("version: 1", "identity:", "  jwt:",
                "    - { issuer: a, jwksUri: \"https://x/k\", audiences: [x], algorithms: [RS256] }",
                "    - { issuer: a, jwksUri: \"https://x/k\", audiences: [y], algorithms: [RS256] }"),
            5, 17, "/identity/jwt/1/issuer", "issuer 'a' is listed twice"),
        c(Y, "version: 1\nmetrics: { prefix: !!str agent }\n", 2, 20, "/metrics/prefix", "YAML tags are not allowed in a policy file (found 'tag:yaml.org,2002:str')"),
        c(Y, "version: 1\nmetrics: !custom { prefix: agent }\n", 2, 10, "/metrics", "YAML tags are not allowed in a policy file (found 'custom')"),
        c(Y, "version: 1\naudit: { admissions: yes }\n", 2, 22, "/audit/admissions",
            "expected true or false but was the string 'yes'"),
        c(Y, "version: 1\naudit: { admissions: True }\n", 2, 22, "/audit/admissions",
            "expected true or false but was the boolean True"),
        c(Y, "version: 1\nmetrics: { prefix: \"Agent Limiter\" }\n", 2, 20, "/metrics/prefix",
            "expected dot-separated lower-case words"),
        c(Y, "version: 1\nreload: { poll: 500ms }\n", 2, 17, "/reload/poll", "must be between 1s and 5m but was 500ms"),
        c(Y, "version: 1\nreload: { poll: 10m }\n", 2, 17, "/reload/poll", "must be between 1s and 5m but was 10m"),
        // --- syntax and structure (YAML)
        c(Y, policy("lane: a\n    lane: b"), 5, 5, "/policies/search/lane",
            "duplicate key 'lane'; a key may appear once in a mapping"),
        c(Y, "version: 1\npolicies:\n  a: &x { limits: [] }\n", 3, 6, "/policies/a", "YAML anchors (&x) are not allowed"),
        c(Y, "version: 1\nmetrics: *x\n", 2, 10, "/metrics", "YAML aliases (*x) are not allowed"),
        c(Y, "version: 1\n---\nversion: 1\n", 3, 1, "/", "a policy file holds one YAML document"),
        c(Y, "version: 1\npolicies:\n\tsearch: {}\n", 3, 1, "/", "found character '\\t(TAB)' that cannot start any token"),
        c(Y, "version: 1\n  policies: {}\n", 2, 11, "/", "YAML syntax error: mapping values are not allowed here"),
        c(Y, "version: 1\npolicies: {\n", 3, 1, "/policies", "YAML syntax error"),
        // --- JSON
        c(J, J_LIMIT + "{\"capacity\": 20, \"refill\": 1, \"per\": \"1s\", \"refil\": 10}]}}}", 1, 94, "/policies/search/limits/0/refil",
            "unknown field 'refil'"),
        c(J, J_LIMIT + "{\"capacity\": 0, \"refill\": 1, \"per\": \"1s\"}]}}}", 1, 64,
            "/policies/search/limits/0/capacity", "must be > 0 but was 0"),
        c(J, J_LIMIT + "{\"capacity\": 1, \"refill\": 1, \"per\": \"soon\"}]}}}", 1, 87,
            "/policies/search/limits/0/per", "expected a duration such as 1s, 500ms or PT1M but was 'soon'"),
        c(J, J_LIMIT + "{\"capacity\": 1, \"refill\": 1, \"per\": null}]}}}", 1, 87,
            "/policies/search/limits/0/per", "expected a duration such as 1s, 500ms or PT1M but was null"),
        c(J, "{\"version\": 1, \"routes\": [{\"pattern\": \"/s\", \"policies\": [\"search\"]}]}", 1, 58,
            "/routes/0/policies/0", "policy 'search' is not defined in this file"),
        c(J, "{\"version\": 1, \"audit\": {\"admissions\": \"true\"}}", 1, 40, "/audit/admissions",
            "expected true or false but was the string 'true'"),
        c(J, "{\"version\": 1, \"audit\": {\"admissions\": false, \"admissions\": true}}", 1, 47,
            "/audit/admissions", "duplicate key 'admissions'"),
        c(J, "{\"version\": 1} x", 1, 16, "/", "syntax error: Unrecognized token 'x'"),
        c(J, "{\"version\": 1} {}", 1, 16, "/", "expected the end of the file after the document"),
        c(J, "{\"version\": 1,\n \"policies\": {,}}", 2, 15, "/policies", "syntax error: Unexpected character (','"),
        c(J, "{\"version\": 1, // comment\n}", 1, 16, "/", "syntax error"),
        c(J, "", 1, 1, "/", "the file is empty"),
        c(J, "null", 1, 1, "/", "the file is empty"));
  }

  private static Arguments c(
      Format format, String content, int line, int column, String path, String fragment) {
    return Arguments.of(format, content, line, column, path, fragment);
  }

  @ParameterizedTest(name = "[{index}] {0} {4}: {5}")
  @MethodSource("cases")
  void refused(Format format, String content, int line, int column, String path, String fragment) {
    String source = "policies." + (format == Format.YAML ? "yaml" : "json");
    PolicyFileException e =
        catchThrowableOfType(
            PolicyFileException.class, () -> PolicyFiles.parse(content, source, format));
    assertThat(e).as("refused:\n%s", content).isNotNull();
    List<PolicyFileProblem> problems = e.problems();
    assertThat(problems).as(e.getMessage()).hasSize(1);
    PolicyFileProblem p = problems.get(0);
    assertThat(p.message()).as(e.getMessage()).contains(fragment);
    assertThat(p.path()).as(e.getMessage()).isEqualTo(path);
    assertThat(p.line() + ":" + p.column()).as(e.getMessage()).isEqualTo(line + ":" + column);
    assertThat(p.source()).isEqualTo(source);
    assertThat(e.getMessage())
        .isEqualTo(source + ":" + line + ":" + column + ": " + path + ": " + p.message());
  }
}
