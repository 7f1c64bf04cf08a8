package dev.agentlimiter.jaxrs;

import dev.agentlimiter.api.AgentPolicy;
import dev.agentlimiter.api.AgentRateLimit;
import dev.agentlimiter.api.RequireScope;
import dev.agentlimiter.api.Route;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Method;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Where a resource method's {@link AgentRateLimit}, {@link AgentPolicy} and {@link RequireScope} are found, following Jakarta
 * REST's annotation inheritance (section 3.6): the method as the resource class implements it; if it carries
 * neither annotation, the first declaration it overrides or implements that does (superclasses first, then
 * interfaces). The type's annotations: the resource class's, else its nearest superclass's, else its
 * interfaces'. The rule between the two is {@link Route#fromAnnotations}, shared with the servlet filter.
 */
final class Annotations {

  private Annotations() {}

  /**
   * The route of a resource method, or {@code null} if neither it nor its class is annotated. Policies are
   * named after the resource class: {@code Class.method} for the method's own limits, {@code Class} for
   * the class's.
   *
   * @throws IllegalArgumentException naming the limit, if an annotation is invalid
   */
  static @Nullable Route routeOf(Class<?> resourceClass, Method resourceMethod, boolean anonymous) {
    Method implementation = implementation(resourceClass, resourceMethod);
    AnnotatedElement endpoint = implementation;
    if (!annotated(implementation)) {
      Method declared = overridden(resourceClass, implementation);
      if (declared != null) {
        endpoint = declared;
      }
    }
    AnnotatedElement type = annotatedType(resourceClass);
    String typeName = resourceClass.getSimpleName().isEmpty() ? resourceClass.getName() : resourceClass.getSimpleName();
    return Route.fromAnnotations(endpoint, typeName + "." + implementation.getName(), type, typeName, anonymous);
  }

  private static boolean annotated(AnnotatedElement element) {
    return element.getAnnotationsByType(AgentRateLimit.class).length > 0
        || element.isAnnotationPresent(AgentPolicy.class)
        || element.isAnnotationPresent(RequireScope.class);
  }

  /** The method the resource class runs for {@code method} (which may be declared by an interface). */
  private static Method implementation(Class<?> resourceClass, Method method) {
    if (method.getDeclaringClass() == resourceClass) {
      return method;
    }
    try {
      Method m = resourceClass.getMethod(method.getName(), method.getParameterTypes());
      return m.isBridge() ? method : m;
    } catch (NoSuchMethodException | SecurityException e) {
      return method;
    }
  }

  /** The nearest annotated declaration that {@code method} overrides or implements, or {@code null}. */
  private static @Nullable Method overridden(Class<?> resourceClass, Method method) {
    for (Class<?> c = resourceClass; c != null && c != Object.class; c = c.getSuperclass()) {
      Method m = declared(c, method);
      if (m != null && !m.equals(method) && annotated(m)) {
        return m;
      }
    }
    for (Class<?> i : interfaces(resourceClass)) {
      Method m = declared(i, method);
      if (m != null && annotated(m)) {
        return m;
      }
    }
    return null;
  }

  private static @Nullable Method declared(Class<?> type, Method method) {
    try {
      Method m = type.getDeclaredMethod(method.getName(), method.getParameterTypes());
      return m.isBridge() || m.isSynthetic() ? null : m;
    } catch (NoSuchMethodException | SecurityException e) {
      return null;
    }
  }

  /** The resource class, else its nearest annotated superclass, else its first annotated interface. */
  private static AnnotatedElement annotatedType(Class<?> resourceClass) {
    for (Class<?> c = resourceClass; c != null && c != Object.class; c = c.getSuperclass()) {
      if (annotated(c)) {
        return c;
      }
    }
    for (Class<?> i : interfaces(resourceClass)) {
      if (annotated(i)) {
        return i;
      }
    }
    return resourceClass;
  }

  /** Every interface of the class and its superclasses, nearest first, each once. */
  private static Set<Class<?>> interfaces(Class<?> resourceClass) {
    Set<Class<?>> out = new LinkedHashSet<>();
    Deque<Class<?>> todo = new ArrayDeque<>();
    for (Class<?> c = resourceClass; c != null; c = c.getSuperclass()) {
      for (Class<?> i : c.getInterfaces()) {
        todo.add(i);
      }
    }
    while (!todo.isEmpty()) {
      Class<?> i = todo.removeFirst();
      if (out.add(i)) {
        for (Class<?> parent : i.getInterfaces()) {
          todo.add(parent);
        }
      }
    }
    return out;
  }
}
