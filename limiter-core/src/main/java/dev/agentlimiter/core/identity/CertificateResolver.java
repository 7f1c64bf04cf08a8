package dev.agentlimiter.core.identity;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.IdentityResolver;
import dev.agentlimiter.api.IdentityResult;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.RequestView;
import dev.agentlimiter.core.identity.IdentityResolvers.CertificateName;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import org.jspecify.annotations.Nullable;

/** Identifies mutual-TLS clients by a name in their certificate. Immutable and thread-safe. */
final class CertificateResolver implements IdentityResolver {

  private static final int SAN_EMAIL = 1;
  private static final int SAN_DNS = 2;
  private static final int SAN_URI = 6;

  private final CertificateName name;
  private final Clock clock;

  CertificateResolver(CertificateName name, Clock clock) {
    this.name = name;
    this.clock = clock;
  }

  @Override
  public IdentityResult resolve(RequestView request) {
    List<X509Certificate> chain = request.clientCertificates();
    if (chain.isEmpty()) {
      return IdentityResult.abstain();
    }
    X509Certificate leaf = chain.get(0);
    try {
      leaf.checkValidity(Date.from(clock.instant()));
    } catch (CertificateExpiredException | CertificateNotYetValidException e) {
      return new IdentityResult.Rejected(IdentityResult.Rejected.EXPIRED);
    }
    String id = nameOf(leaf);
    if (id == null) {
      return new IdentityResult.Rejected(IdentityResult.Rejected.NO_CERTIFICATE_NAME);
    }
    try {
      return new IdentityResult.Identified(AgentIdentity.of(id, IdentitySource.MTLS));
    } catch (IllegalArgumentException e) {
      return new IdentityResult.Rejected(IdentityResult.Rejected.NO_CERTIFICATE_NAME);
    }
  }

  private @Nullable String nameOf(X509Certificate cert) {
    return switch (name) {
      case SUBJECT_CN -> commonName(cert);
      case SAN_DNS -> alternativeName(cert, SAN_DNS);
      case SAN_URI -> alternativeName(cert, SAN_URI);
      case SAN_EMAIL -> alternativeName(cert, SAN_EMAIL);
    };
  }

  private static @Nullable String commonName(X509Certificate cert) {
    try {
      LdapName dn = new LdapName(cert.getSubjectX500Principal().getName());
      // LdapName indexes RDNs right to left as written; the leftmost CN (highest index) is the most specific
      for (int i = dn.size() - 1; i >= 0; i--) {
        Rdn rdn = dn.getRdn(i);
        if (rdn.getType().toLowerCase(Locale.ROOT).equals("cn") && rdn.getValue() instanceof String cn) {
          return cn.isEmpty() ? null : cn;
        }
      }
      return null;
    } catch (InvalidNameException e) {
      return null;
    }
  }

  private static @Nullable String alternativeName(X509Certificate cert, int type) {
    try {
      Collection<List<?>> names = cert.getSubjectAlternativeNames();
      if (names == null) {
        return null;
      }
      for (List<?> entry : names) {
        if (entry.size() >= 2
            && entry.get(0) instanceof Integer t
            && t == type
            && entry.get(1) instanceof String value
            && !value.isEmpty()) {
          return value;
        }
      }
      return null;
    } catch (CertificateParsingException e) {
      return null;
    }
  }
}
