package dev.agentlimiter.servlet;

import dev.agentlimiter.api.Admission;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRateLimit;
import dev.agentlimiter.api.Decision;
import dev.agentlimiter.api.Outcome;
import dev.agentlimiter.api.RequireScope;
import dev.agentlimiter.api.Route;
import dev.agentlimiter.core.http.AdapterFlow;
import dev.agentlimiter.core.http.AdapterOptions;
import dev.agentlimiter.core.http.AdminEndpoint;
import dev.agentlimiter.core.http.HttpResponses;
import dev.agentlimiter.core.http.RouteTable;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.jspecify.annotations.Nullable;

/**
 * The engine in front of a Jakarta Servlet 6 application: a thin caller of core's {@link AdapterFlow}.
 * For a request on a limited route it builds the engine's request view, calls {@link
 * AgentLimiter#admit(dev.agentlimiter.api.RequestView, Route)} once through the flow, and either writes
 * the refusal ({@code docs/http-contract.md}) or passes the request on with the {@code
 * RateLimit} fields set, the body replayed if the engine read it, and the final status reported back when
 * the request ends (also for asynchronous requests and when the application throws). Requests on routes
 * with no policy pass through untouched.
 *
 * <p>Register it programmatically ({@code servletContext.addFilter("agent-limiter",
 * AgentLimiterFilter.builder(limiter)...build())}), from {@code web.xml} with the init-parameter {@value
 * #SETUP_PARAMETER} naming a {@link Setup} class, or through an embedded server's API. Thread-safe; one
 * instance serves every request. <b>Engine failures never reach the application</b>: the filter fails
 * closed (503) by default, or open if configured.
 *
 * <p>With an {@linkplain AdapterOptions.Builder#adminEndpoint admin endpoint} (none by default), a request whose
 * servlet path plus path info, in its canonical spelling, is under the endpoint's base path is answered by
 * the endpoint before any route is looked up and never reaches the chain. <b>The filter's URL pattern must
 * cover the base path</b> ({@code /*}, or the base path's own mapping), or the container never shows it
 * those requests.
 */
public final class AgentLimiterFilter implements Filter {

  /** The {@code web.xml} init-parameter naming a {@link Setup} class with a public no-argument constructor. */
  public static final String SETUP_PARAMETER = "dev.agentlimiter.setup";

  /** Configures a filter declared in {@code web.xml}. */
  @FunctionalInterface
  public interface Setup {
    /** The filter's configuration for this application; called once, when the filter starts. */
    Builder configure(ServletContext context);
  }

  private static final System.Logger LOG = System.getLogger(AgentLimiterFilter.class.getName());
  private static final String[][] SERVLET_METHODS = {
    {"doGet", "GET"}, {"doPost", "POST"}, {"doPut", "PUT"}, {"doDelete", "DELETE"},
    {"doPatch", "PATCH"}, {"doHead", "HEAD"}, {"doOptions", "OPTIONS"}
  };

  private final @Nullable Settings settings; // null: read from the Setup when the filter starts
  private volatile @Nullable Config config;

  /** A filter for {@code web.xml}: it reads {@value #SETUP_PARAMETER} when it starts. */
  public AgentLimiterFilter() {
    this.settings = null;
  }

  private AgentLimiterFilter(Settings settings) {
    this.settings = settings;
  }

  /** A builder for a filter in front of {@code limiter}, every option at its default. */
  public static Builder builder(AgentLimiter limiter) {
    return new Builder(AdapterOptions.builder(Objects.requireNonNull(limiter, "limiter")), null);
  }

  /**
   * A builder for a filter with {@code options}, the options every adapter has, built already (a value
   * that may configure other filters and JAX-RS features too). The builder then offers only the filter's
   * own option, {@link Builder#discoverAnnotations(boolean)}: <b>the shared options refuse to be set on
   * it</b> ({@link IllegalStateException}), so nothing overrides the value unseen.
   *
   * @throws NullPointerException if {@code options} is null
   */
  public static Builder builder(AdapterOptions options) {
    return new Builder(null, Objects.requireNonNull(options, "options"));
  }

  /** What a builder fixed: the shared options, and whether annotated servlets are read. */
  private record Settings(AdapterOptions options, boolean discoverAnnotations) {}

  /**
   * The configuration, fixed when the filter starts: the shared adapter flow, every route by path, and the
   * admin endpoint if one is served.
   */
  private record Config(AdapterFlow flow, RouteTable routes, @Nullable AdminEndpoint admin) {}

  @Override
  public void init(FilterConfig filterConfig) throws ServletException {
    Settings s = settings;
    if (s == null) {
      Builder b = fromSetup(filterConfig);
      try {
        s = b.settings();
      } catch (IllegalArgumentException e) {
        throw new ServletException("agent limiter filter: " + e.getMessage(), e);
      }
    }
    AdapterOptions options = s.options();
    RouteTable.Builder table = options.routeBuilder();
    if (s.discoverAnnotations()) {
      discover(filterConfig.getServletContext(), table, options.anonymousAnnotated());
    }
    RouteTable routes;
    AdapterFlow flow;
    try {
      routes = table.build();
      flow = new AdapterFlow(options);
      flow.register(routes.routes()); // a policy an annotation only names must be configured
    } catch (IllegalArgumentException e) {
      throw new ServletException("agent limiter filter: " + e.getMessage(), e); // two servlets of one simple name, say
    }
    config = new Config(flow, routes, options.adminEndpoint().orElse(null));
  }

  private static Builder fromSetup(FilterConfig filterConfig) throws ServletException {
    String name = filterConfig.getInitParameter(SETUP_PARAMETER);
    if (name == null) {
      throw new ServletException(
          "agent limiter filter '" + filterConfig.getFilterName() + "': init-param " + SETUP_PARAMETER
              + " must name a class implementing " + Setup.class.getName());
    }
    try {
      Class<?> type = load(name.trim(), filterConfig.getServletContext());
      if (type == null) {
        throw new ClassNotFoundException(name.trim());
      }
      Setup setup = type.asSubclass(Setup.class).getDeclaredConstructor().newInstance();
      return Objects.requireNonNull(setup.configure(filterConfig.getServletContext()), "setup returned null");
    } catch (ReflectiveOperationException | ClassCastException | NullPointerException e) {
      throw new ServletException(
          "agent limiter filter: cannot use " + SETUP_PARAMETER + " '" + name + "': " + e, e);
    }
  }

  /** Routes from {@link AgentRateLimit} and {@link RequireScope} on the registered servlets. */
  private static void discover(ServletContext context, RouteTable.Builder table, boolean anonymous)
      throws ServletException {
    for (ServletRegistration registration : context.getServletRegistrations().values()) {
      String className = registration.getClassName();
      if (registration.getMappings().isEmpty()) {
        continue;
      }
      if (className == null) {
        // e.g. Tomcat's Tomcat.addServlet(context, name, instance): the instance's annotations are not visible
        LOG.log(
            System.Logger.Level.WARNING,
            "agent limiter: servlet '" + registration.getName()
                + "' has no class name, so its @AgentRateLimit annotations cannot be read; map its routes with"
                + " AgentLimiterFilter.Builder.route(...)");
        continue;
      }
      Class<?> type = load(className, context);
      if (type == null) {
        continue; // the container's own servlets, or not loadable here: nothing of ours to find
      }
      if (!HttpServlet.class.isAssignableFrom(type)) {
        continue;
      }
      try {
        for (String[] pair : SERVLET_METHODS) {
          Route route = routeOf(type, pair[0], pair[1], anonymous);
          if (route != null) {
            for (String pattern : registration.getMappings()) {
              table.add(pair[1], pattern, route);
            }
          }
        }
      } catch (IllegalArgumentException e) {
        throw new ServletException("agent limiter filter: servlet " + className + ": " + e.getMessage(), e);
      }
    }
  }

  /**
   * The servlet class, from the context's class loader, or where an embedded server has none (Jetty's
   * {@code getClassLoader()} answers {@code null} unless one was set) the thread's or this filter's.
   */
  private static @Nullable Class<?> load(String className, ServletContext context) {
    ClassLoader[] loaders = {
      context.getClassLoader(), Thread.currentThread().getContextClassLoader(), AgentLimiterFilter.class.getClassLoader()
    };
    for (ClassLoader loader : loaders) {
      if (loader == null) {
        continue;
      }
      try {
        return Class.forName(className, false, loader);
      } catch (ClassNotFoundException | LinkageError e) {
        // try the next loader
      }
    }
    return null;
  }

  /**
   * The route of one HTTP method of a servlet, or {@code null}: only methods the servlet overrides are
   * limited (the others answer 405 without our help); method annotations win over the class's.
   */
  private static @Nullable Route routeOf(Class<?> type, String javaMethod, String httpMethod, boolean anonymous) {
    Method method = declared(type, javaMethod);
    if (method == null) {
      return null;
    }
    return Route.fromAnnotations(
        method,
        type.getSimpleName() + "." + httpMethod.toLowerCase(Locale.ROOT),
        type,
        type.getSimpleName(),
        anonymous);
  }

  private static @Nullable Method declared(Class<?> type, String name) {
    for (Class<?> c = type; c != null && c != HttpServlet.class; c = c.getSuperclass()) {
      try {
        return c.getDeclaredMethod(name, jakarta.servlet.http.HttpServletRequest.class, HttpServletResponse.class);
      } catch (NoSuchMethodException e) {
        // look in the superclass
      }
    }
    return null;
  }

  @Override
  public void doFilter(ServletRequest servletRequest, ServletResponse servletResponse, FilterChain chain)
      throws IOException, ServletException {
    Config c = config;
    if (c == null || !(servletRequest instanceof HttpServletRequest request)
        || !(servletResponse instanceof HttpServletResponse response)) {
      chain.doFilter(servletRequest, servletResponse);
      return;
    }
    String path = RouteTable.canonical(pathWithinApplication(request));
    AdminEndpoint admin = c.admin();
    if (admin != null && admin.handles(path)) {
      answer(admin, request, response);
      return; // never reaches the chain
    }
    AdapterFlow.Routed routed = c.flow().route(request.getMethod(), path, c.routes());
    if (routed == null) {
      chain.doFilter(request, response);
      return;
    }
    AdapterFlow.Pass pass =
        c.flow().admit(
            new ServletRequestView(request, path), routed, (status, headers, body) -> {
              if (response.isCommitted()) {
                return;
              }
              response.resetBuffer();
              response.setStatus(status);
              for (Map.Entry<String, String> h : headers) {
                response.setHeader(h.getKey(), h.getValue());
              }
              response.setContentType(HttpResponses.PROBLEM_JSON);
              response.setContentLength(body.length);
              response.getOutputStream().write(body);
            });
    if (pass == null) {
      return; // refused, or the limiter failed and the filter fails closed: answered
    }
    for (Map.Entry<String, String> field : pass.rateLimitFields()) {
      response.setHeader(field.getKey(), field.getValue());
    }
    HttpServletRequest forwarded = request;
    Optional<InputStream> replay = pass.replayBody();
    if (replay.isPresent()) {
      forwarded = new ReplayingRequest(request, replay.get());
    }
    try {
      chain.doFilter(forwarded, response);
    } catch (IOException | ServletException | RuntimeException | Error e) {
      pass.endFailed();
      throw e;
    }
    if (forwarded.isAsyncStarted()) {
      try {
        forwarded.getAsyncContext().addListener(new Ending(pass, response));
        return;
      } catch (IllegalStateException completedMeanwhile) {
        // the application completed the async context on another thread before we could listen
      }
    }
    pass.end(response.getStatus());
  }

  /** Answers a request of the admin endpoint's, from its raw path. */
  private static void answer(AdminEndpoint admin, HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    AdminEndpoint.Response answer = admin.handle(new ServletRequestView(request, rawPathWithinApplication(request)));
    if (response.isCommitted()) {
      return;
    }
    response.setStatus(answer.status());
    for (Map.Entry<String, String> h : answer.headers()) {
      if (h.getKey().equalsIgnoreCase("Content-Type")) {
        response.setContentType(h.getValue());
      } else {
        response.setHeader(h.getKey(), h.getValue());
      }
    }
    byte[] body = answer.body();
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
  }

  /**
   * The request's path within the application as the client sent it, still percent-encoded: the request URI
   * without the context path, which the admin endpoint splits before it decodes (so that {@code %2F} stays in
   * its segment). Where the container's URI does not start with its context path as reported, the decoded
   * path.
   */
  static String rawPathWithinApplication(HttpServletRequest request) {
    String uri = request.getRequestURI();
    String context = request.getContextPath();
    if (uri != null && uri.startsWith(context == null ? "" : context)) {
      String raw = uri.substring(context == null ? 0 : context.length());
      return raw.isEmpty() ? "/" : raw;
    }
    return pathWithinApplication(request);
  }

  /**
   * The path the container mapped the request by, within the application: servlet path plus path info,
   * which the container has percent-decoded, stripped of path parameters and normalised (Servlet 6.0,
   * section 3.5.2). Never the raw request URI: {@code /hell%6F} or {@code /hello;x=1} reach the servlet of
   * {@code /hello}, so they must meet its route. The route table then matches it in its canonical spelling
   * ({@link RouteTable#canonical}), as a front controller on {@code /*} routes {@code /v1/orders/} (path
   * info) to the handler of {@code /v1/orders}; the engine's request view gets that spelling too, so the
   * loop detector's fingerprint does not change with it.
   */
  static String pathWithinApplication(HttpServletRequest request) {
    String servletPath = request.getServletPath();
    String pathInfo = request.getPathInfo();
    String path =
        pathInfo == null ? servletPath : servletPath == null || servletPath.isEmpty() ? pathInfo : servletPath + pathInfo;
    return path == null || path.isEmpty() ? "/" : path;
  }

  @Override
  public void destroy() {
    config = null;
  }

  /** Ends an asynchronous request's pass when its async context is over. */
  private static final class Ending implements AsyncListener {
    private final AdapterFlow.Pass pass;
    private final HttpServletResponse response;

    Ending(AdapterFlow.Pass pass, HttpServletResponse response) {
      this.pass = pass;
      this.response = response;
    }

    @Override
    public void onComplete(AsyncEvent event) {
      pass.end(response.getStatus());
    }

    @Override
    public void onTimeout(AsyncEvent event) {
      pass.endFailed();
    }

    @Override
    public void onError(AsyncEvent event) {
      pass.endFailed();
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
      AsyncListener self = this;
      if (event.getAsyncContext() != null) {
        event.getAsyncContext().addListener(self);
      }
    }
  }

  /**
   * Configures an {@link AgentLimiterFilter}: the options every adapter has, held as an {@link
   * AdapterOptions.Builder} (routes by path match the container's servlet path plus path info, without the
   * context path, in its canonical spelling), and annotation discovery. A builder made from a built {@link
   * AdapterOptions} ({@link AgentLimiterFilter#builder(AdapterOptions)}) refuses the shared options. Not
   * thread-safe; each value is checked when it is set.
   */
  public static final class Builder {
    private final AdapterOptions.@Nullable Builder options; // null when given a built value
    private final @Nullable AdapterOptions given;
    private boolean discoverAnnotations = true;

    private Builder(AdapterOptions.@Nullable Builder options, @Nullable AdapterOptions given) {
      this.options = options;
      this.given = given;
    }

    /** The shared options' builder, unless this builder was given a built value. */
    private AdapterOptions.Builder shared(String option) {
      return AdapterOptions.shared(options, option);
    }

    /** See {@link AdapterOptions.Builder#route(String, Route)}. */
    public Builder route(String pattern, Route route) {
      shared("route").route(pattern, route);
      return this;
    }

    /** See {@link AdapterOptions.Builder#route(String, String, Route)}. */
    public Builder route(@Nullable String method, String pattern, Route route) {
      shared("route").route(method, pattern, route);
      return this;
    }

    /** See {@link AdapterOptions.Builder#shadowRoute(String, String, Route)}. */
    public Builder shadowRoute(@Nullable String method, String pattern, Route route) {
      shared("shadowRoute").shadowRoute(method, pattern, route);
      return this;
    }

    /**
     * See {@link AdapterOptions.Builder#caseInsensitiveRoutes(boolean)}; it applies to the annotated
     * servlets' URL patterns too.
     */
    public Builder caseInsensitiveRoutes(boolean ignoreCase) {
      shared("caseInsensitiveRoutes").caseInsensitiveRoutes(ignoreCase);
      return this;
    }

    /** See {@link AdapterOptions.Builder#anonymousAnnotatedRoutes(boolean)}. */
    public Builder anonymousAnnotatedRoutes(boolean anonymous) {
      shared("anonymousAnnotatedRoutes").anonymousAnnotatedRoutes(anonymous);
      return this;
    }

    /** See {@link AdapterOptions.Builder#shadow(boolean)}: <b>not even an unauthenticated request is refused</b>. */
    public Builder shadow(boolean enabled) {
      shared("shadow").shadow(enabled);
      return this;
    }

    /** See {@link AdapterOptions.Builder#failOpen(boolean)}. */
    public Builder failOpen(boolean open) {
      shared("failOpen").failOpen(open);
      return this;
    }

    /** See {@link AdapterOptions.Builder#realm(String)}. */
    public Builder realm(String name) {
      shared("realm").realm(name);
      return this;
    }

    /** See {@link AdapterOptions.Builder#unavailableRetryAfter(Duration)}. */
    public Builder unavailableRetryAfter(Duration retryAfter) {
      shared("unavailableRetryAfter").unavailableRetryAfter(retryAfter);
      return this;
    }

    /**
     * See {@link AdapterOptions.Builder#adminEndpoint(AdminEndpoint)}: the filter's URL pattern must cover
     * the endpoint's base path.
     */
    public Builder adminEndpoint(AdminEndpoint endpoint) {
      shared("adminEndpoint").adminEndpoint(endpoint);
      return this;
    }

    /**
     * Whether {@link AgentRateLimit} and {@link RequireScope} on the registered {@code HttpServlet}s are
     * read when the filter starts (default {@code true}); method annotations ({@code doGet}, …) win over
     * the class's. The filter's own option: it may be set on any builder.
     */
    public Builder discoverAnnotations(boolean discover) {
      discoverAnnotations = discover;
      return this;
    }

    /** The options as set now, fixed. */
    private Settings settings() {
      AdapterOptions.Builder b = options;
      return new Settings(b != null ? b.build() : Objects.requireNonNull(given), discoverAnnotations);
    }

    /**
     * The filter, with the options as set now (later changes to this builder do not reach it); routes
     * from annotations are added when it starts.
     *
     * @throws IllegalArgumentException if two routes use one policy name for two different policies, or,
     *     matching ignoring case, two patterns differ only in case
     */
    public AgentLimiterFilter build() {
      return new AgentLimiterFilter(settings());
    }
  }
}
