package modulecheck;

import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.LimiterAdmin;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.AgentLimiters;
import dev.agentlimiter.core.audit.AuditLog;
import dev.agentlimiter.core.http.HttpResponses;
import dev.agentlimiter.core.identity.IdentityResolvers;
import dev.agentlimiter.core.identity.InMemoryApiKeyStore;
import dev.agentlimiter.jwt.JwtIdentityResolver;
import dev.agentlimiter.servlet.AgentLimiterFilter;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Run by {@code ModulePathTest} in a JVM of its own, from the class path (the unnamed module) against the
 * library's jars on the module path: uses the exported API as a user would, and checks that the internal
 * packages cannot be reached. Prints {@code OK} and exits 0, or prints what failed and exits 1.
 */
public final class ModulePathProbe {

  private ModulePathProbe() {}

  public static void main(String[] args) throws Exception {
    List<String> failures = new ArrayList<>();
    from(failures, AgentLimiter.class, "dev.agentlimiter.api");
    from(failures, AgentLimiters.class, "dev.agentlimiter.core");
    from(failures, AgentLimiterFilter.class, "dev.agentlimiter.servlet");
    from(failures, JwtIdentityResolver.class, "dev.agentlimiter.jwt");

    Policy policy =
        Policy.named("probe")
            .limit(Limit.capacity(1).refill(1).per(Duration.ofMinutes(1)).named("m"))
            .build();
    try (AuditLog audit = AuditLog.builder().build()) {
      AgentLimiter limiter =
          AgentLimiters.newBuilder()
              .identity(
                  JwtIdentityResolver.newBuilder()
                      .issuer("https://login.example.com/")
                      .audience("orders-api")
                      .allowedAlgorithms("HS256")
                      .hmacSecret("a-probe-secret-of-thirty-two-bytes!".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                      .build(),
                  IdentityResolvers.apiKeys(InMemoryApiKeyStore.create()))
              .listener(audit)
              .build();
      AgentIdentity agent = AgentIdentity.of("agent-1", IdentitySource.API_KEY);
      Decision first = limiter.decide(AgentRequest.of(agent, policy));
      Decision second = limiter.decide(AgentRequest.of(agent, policy));
      if (!first.isAllowed() || second.isAllowed() || second.retryAfterSeconds() < 1) {
        failures.add("decisions on the module path: " + first + ", " + second);
      }
      if (HttpResponses.problemBody(second).length == 0) {
        failures.add("no problem body");
      }
      AgentLimiterFilter.builder(limiter).route("/orders/*", Route.of(policy)).build();

      Module core = AgentLimiters.class.getModule();
      for (String internal :
          List.of(
              "dev.agentlimiter.core.internal.engine",
              "dev.agentlimiter.core.internal.state",
              "dev.agentlimiter.core.internal.defence",
              "dev.agentlimiter.core.internal.validation")) {
        if (!core.getDescriptor().packages().contains(internal)) {
          failures.add(internal + " is not in the module");
        }
        if (core.isExported(internal)) {
          failures.add(internal + " is exported");
        }
      }
      // The limiter is an internal class: its public methods cannot be reached by reflection from here.
      try {
        MethodHandles.publicLookup()
            .findVirtual(limiter.getClass(), "admin", MethodType.methodType(LimiterAdmin.class));
        failures.add(limiter.getClass().getName() + " is reachable from the unnamed module");
      } catch (IllegalAccessException expected) {
        // not exported: the interface is the only way in
      }
    }
    if (failures.isEmpty()) {
      System.out.println("OK");
    } else {
      failures.forEach(System.out::println);
      System.exit(1);
    }
  }

  private static void from(List<String> failures, Class<?> type, String module) {
    Module m = type.getModule();
    if (!m.isNamed() || !m.getName().equals(module)) {
      failures.add(type.getName() + " was loaded from " + m + ", not from module " + module);
    }
  }
}
