package dev.agentlimiter.jaxrs;

import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.http.AdapterFlow;
import dev.agentlimiter.core.http.AdapterOptions;
import dev.agentlimiter.core.http.RouteTable;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.DynamicFeature;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.FeatureContext;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Binds the limiter's filter to one resource method at a time, as the implementation deploys it (sub-resource
 * methods included, when their locator first returns their class): with the method's own route if its
 * annotations declare one, with the path table if routes were configured by path, and not at all otherwise.
 */
final class MethodBinder implements DynamicFeature {

  private final AdapterOptions settings;
  private final AdapterFlow flow;
  private final Host host;
  private final Set<String> bound;
  /** Every policy bound so far, by name: one name must mean one policy, or the engine refuses it later. */
  private final Map<String, Policy> policies;

  MethodBinder(AdapterOptions settings, Host host, Set<String> bound) {
    this.settings = settings;
    this.flow = new AdapterFlow(settings);
    this.host = host;
    this.bound = bound;
    this.policies = new ConcurrentHashMap<>(settings.routes().policiesByName());
  }

  /** The resource method's path template: the class's {@code @Path} and the method's, joined. */
  static String template(Class<?> type, Method method) {
    jakarta.ws.rs.Path onType = type.getAnnotation(jakarta.ws.rs.Path.class);
    jakarta.ws.rs.Path onMethod = method.getAnnotation(jakarta.ws.rs.Path.class);
    String path = "/" + (onType == null ? "" : strip(onType.value()));
    if (onMethod != null && !strip(onMethod.value()).isEmpty()) {
      path = (path.equals("/") ? "" : path) + "/" + strip(onMethod.value());
    }
    return path;
  }

  private static String strip(String p) {
    int from = 0;
    int to = p.length();
    while (from < to && p.charAt(from) == '/') {
      from++;
    }
    while (to > from && p.charAt(to - 1) == '/') {
      to--;
    }
    return p.substring(from, to);
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
      if (route != null) {
        for (Policy p : route.policies()) {
          RouteTable.checkOneName(policies, p, "the annotations of " + type.getName() + "." + method.getName());
        }
        flow.register(java.util.List.of(route)); // a policy an annotation only names must be configured
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "agent limiter: resource method " + type.getName() + "." + method.getName() + ": " + e.getMessage(), e);
    }
    if (route == null && settings.routes().isEmpty() && !flow.configurable()) {
      return; // nothing to limit, now or after a reload: no filter, no cost
    }
    LimitingFilter filter = new LimitingFilter(flow, host, route, route == null ? null : template(type, method));
    if (host.endsInResponseFilter()) {
      context.register(filter, AgentLimiterFeature.PRIORITY);
    } else {
      context.register(filter, Map.of(ContainerRequestFilter.class, AgentLimiterFeature.PRIORITY));
    }
    bound.add(type.getSimpleName() + "." + method.getName());
  }
}
