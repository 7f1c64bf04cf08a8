package dev.agentlimiter.jaxrs;

import dev.agentlimiter.api.Route;
import jakarta.ws.rs.container.DynamicFeature;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.FeatureContext;
import java.lang.reflect.Method;
import java.util.Set;

/**
 * Binds the limiter's filter to one resource method at a time, as the implementation deploys it (sub-resource
 * methods included, when their locator first returns their class): with the method's own route if its
 * annotations declare one, with the path table if routes were configured by path, and not at all otherwise.
 */
final class MethodBinder implements DynamicFeature {

  private final AgentLimiterFeature.Settings settings;
  private final Host host;
  private final Set<String> bound;

  MethodBinder(AgentLimiterFeature.Settings settings, Host host, Set<String> bound) {
    this.settings = settings;
    this.host = host;
    this.bound = bound;
  }

  @Override
  public void configure(ResourceInfo resourceInfo, FeatureContext context) {
    Class<?> type = resourceInfo.getResourceClass();
    Method method = resourceInfo.getResourceMethod();
    if (type == null || method == null) {
      return;
    }
    Route route;
    try {
      route = Annotations.routeOf(type, method, settings.anonymousAnnotated());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "agent limiter: resource method " + type.getName() + "." + method.getName() + ": " + e.getMessage(), e);
    }
    if (route == null && settings.routes().isEmpty()) {
      return; // nothing to limit: no filter, no cost
    }
    context.register(new LimitingFilter(settings, host, route), AgentLimiterFeature.PRIORITY);
    bound.add(type.getSimpleName() + "." + method.getName());
  }
}
