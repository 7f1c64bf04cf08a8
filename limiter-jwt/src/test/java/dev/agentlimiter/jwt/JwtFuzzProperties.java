package dev.agentlimiter.jwt;

import static dev.agentlimiter.jwt.Keys.AUDIENCE;
import static dev.agentlimiter.jwt.Keys.EC;
import static dev.agentlimiter.jwt.Keys.ISSUER;
import static dev.agentlimiter.jwt.Keys.NOW;
import static dev.agentlimiter.jwt.Keys.RSA;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentlimiter.api.IdentityResult;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The resolver over arbitrary {@code Authorization} values: it never throws, identifies only a token
 * byte-identical to a valid one, and rejects only with one of its causes.
 */
class JwtFuzzProperties {

  private static final String VALID_RS = Keys.rs256(Keys.claims().build());
  private static final String VALID_ES = Keys.es256(Keys.claims().build());
  private static final List<String> VALID = List.of(VALID_RS, VALID_ES);

  private static final JwtIdentityResolver RESOLVER =
      JwtIdentityResolver.newBuilder()
          .issuer(ISSUER)
          .audience(AUDIENCE)
          .allowedAlgorithms("RS256", "ES256")
          .keys(Keys.publicSet(RSA, EC))
          .verifiedTokenCache(1_000)
          .clock(new MutableClock(NOW))
          .build();

  private static void check(String bearerValue) {
    IdentityResult result = RESOLVER.resolve(TestRequest.bearer(bearerValue));
    if (result instanceof IdentityResult.Identified) {
      assertThat(VALID).contains(bearerValue.strip());
    } else if (result instanceof IdentityResult.Rejected rejected) {
      assertThat(JwtIdentityResolver.CAUSES).contains(rejected.cause());
    }
  }

  @Property(tries = 2_000)
  void arbitraryStrings(@ForAll String value) {
    check(value);
    IdentityResult raw = RESOLVER.resolve(TestRequest.authorization(value));
    assertThat(raw).isNotInstanceOf(IdentityResult.Identified.class);
  }

  @Property(tries = 2_000)
  void base64urlSegments(@ForAll("segments") String value) {
    check(value);
  }

  @Property(tries = 3_000)
  void flippedCharacter(
      @ForAll("valid") String token,
      @ForAll("index") int index,
      @ForAll("tokenChar") char replacement) {
    int i = index % token.length();
    check(token.substring(0, i) + replacement + token.substring(i + 1));
  }

  @Property(tries = 1_000)
  void truncated(@ForAll("valid") String token, @ForAll("index") int index) {
    check(token.substring(0, index % (token.length() + 1)));
  }

  @Property(tries = 1_000)
  void segmentsSwapped(@ForAll("segments") String junk, @ForAll("valid") String token, @ForAll("index") int which) {
    String[] parts = token.split("\\.", -1);
    String[] junkParts = junk.split("\\.", -1);
    parts[which % 3] = junkParts[0];
    check(String.join(".", parts));
  }

  @Provide
  Arbitrary<String> valid() {
    return Arbitraries.of(VALID);
  }

  @Provide
  Arbitrary<Integer> index() {
    return Arbitraries.integers().between(0, 2_000);
  }

  @Provide
  Arbitrary<Character> tokenChar() {
    return Arbitraries.chars().with("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ");
  }

  @Provide
  Arbitrary<String> segments() {
    Arbitrary<String> segment =
        Arbitraries.oneOf(
            Arbitraries.strings().withChars("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_").ofMaxLength(40),
            Arbitraries.of("eyJhbGciOiJSUzI1NiJ9", "eyJhbGciOiJub25lIn0", "eyJhbGciOiJFUzI1NiIsImtpZCI6ImVjLTEifQ",
                "e30", "eyJhbGciOiJSU0EtT0FFUC0yNTYiLCJlbmMiOiJBMTI4R0NNIn0", ""));
    return Combinators.combine(segment.list().ofMinSize(1).ofMaxSize(6), Arbitraries.of(".", ". ", ".."))
        .as((list, dot) -> String.join(dot, list));
  }
}
