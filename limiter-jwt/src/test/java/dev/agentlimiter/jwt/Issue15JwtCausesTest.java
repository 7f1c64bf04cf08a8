package dev.agentlimiter.jwt;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.Grammar;
import dev.agentlimiter.api.IdentityResult;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.HashSet;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * Issue 15: the JWT resolver's causes are {@link IdentityResult.Rejected}'s constants under the same names,
 * and a tier it takes from a claim is a {@linkplain Grammar#isTier tier}.
 */
class Issue15JwtCausesTest {

  @Test
  void theCauseConstantsAreTheRejectedConstantsOfTheSameName() throws ReflectiveOperationException {
    Set<String> values = new HashSet<>();
    for (Field f : JwtIdentityResolver.class.getFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
        Object home = IdentityResult.Rejected.class.getField(f.getName()).get(null);
        assertThat(f.get(null)).as(f.getName()).isEqualTo(home);
        values.add((String) f.get(null));
      }
    }
    assertThat(values).hasSize(12).isEqualTo(JwtIdentityResolver.CAUSES);
  }

  @Provide
  Arbitrary<String> tiers() {
    return Arbitraries.oneOf(
        Arbitraries.strings().ofMaxLength(70),
        Arbitraries.strings().withChars("ab-. \t\u000b\u2028\u3000\u00a0\u0000").ofMaxLength(4),
        Arbitraries.of("pro", " pro", "", " ", "x".repeat(64), "x".repeat(65)));
  }

  @Property(tries = 2000)
  void aTierTakenFromAClaimIsATier(@ForAll("tiers") String tier) {
    JWTClaimsSet claims = new JWTClaimsSet.Builder().subject("agent-1").claim("plan", tier).build();
    AgentIdentity identity = new IdentityClaims("sub", "plan").identity(claims);
    if (identity != null) {
      assertThat(identity.tier()).isEqualTo(tier);
      assertThat(Grammar.isTier(tier)).as("'%s'", tier).isTrue();
    }
  }
}
