package dev.agentlimiter.servlet;

import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRateLimit;
import dev.agentlimiter.api.RequireScope;
import dev.agentlimiter.servlet.contract.Apps;
import dev.agentlimiter.servlet.contract.ContractSuite;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The contract's application as servlets, and the filter configured from {@link Apps}, for any container. */
final class ContractServlets {

  private ContractServlets() {}

  /** The filter in front of the application, configured as the contract says. */
  static AgentLimiterFilter filter(AgentLimiter limiter, Apps apps) {
    AgentLimiterFilter.Builder builder =
        AgentLimiterFilter.builder(limiter)
            .shadow(apps.shadow())
            .failOpen(apps.failOpen())
            .caseInsensitiveRoutes(apps.caseInsensitive());
    for (Apps.RouteSpec r : apps.routes()) {
      builder.route(r.method(), r.pattern(), r.route());
    }
    return builder.build();
  }

  /** Servlet mapping to servlet, in registration order. */
  static Map<String, HttpServlet> servlets(Apps apps) {
    Map<String, HttpServlet> out = new LinkedHashMap<>();
    for (String name : new String[] {"hello", "plain", "open", "scoped", "rules"}) {
      out.put("/" + name, new Text(apps, name));
    }
    out.put("/json", new Echo(apps, "json"));
    out.put("/tasks", new Echo(apps, "tasks"));
    out.put("/boom", new Boom(apps));
    out.put("/async", new Async(apps));
    out.put("/async-timeout", new AsyncTimeout(apps));
    out.put("/slow", new Slow(apps));
    out.put("/annotated", new AnnotatedServlet(apps));
    out.put("/*", new FrontController(apps));
    return out;
  }

  /**
   * The application on {@code /*}, routing as a front controller does (Spring's {@code DispatcherServlet},
   * and most routers): on the path info, with empty segments (doubled and trailing slashes) ignored, and
   * ignoring case if {@link Apps#caseInsensitive()}. Serves {@code GET /v1/orders} and {@code GET
   * /v1/items/{id}} as their names; 404 otherwise. Exact mappings (the other servlets) win over it.
   */
  static final class FrontController extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private final transient Apps apps;

    FrontController(Apps apps) {
      this.apps = apps;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      String path = req.getPathInfo() == null ? "/" : req.getPathInfo();
      if (apps.caseInsensitive()) {
        path = path.toLowerCase(Locale.ROOT);
      }
      List<String> segments =
          Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toList();
      String name;
      if (segments.equals(List.of("v1", "orders"))) {
        name = "orders";
      } else if (segments.size() == 3 && segments.get(0).equals("v1") && segments.get(1).equals("items")) {
        name = "items";
      } else {
        resp.sendError(404);
        return;
      }
      apps.invoked(name);
      String auth = req.getHeader("Authorization");
      apps.invoked(name + ":" + (auth == null ? "-" : auth));
      resp.setContentType("text/plain");
      resp.getOutputStream().write(name.getBytes(StandardCharsets.US_ASCII));
    }
  }

  /** Answers its name as text. */
  static final class Text extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private final transient Apps apps;
    private final String name;

    Text(Apps apps, String name) {
      this.apps = apps;
      this.name = name;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      apps.invoked(name);
      String auth = req.getHeader("Authorization");
      apps.invoked(name + ":" + (auth == null ? "-" : auth));
      resp.setContentType("text/plain");
      resp.getOutputStream().write(name.getBytes(StandardCharsets.US_ASCII));
    }
  }

  /** Reads the body with {@code getInputStream} and answers its size and SHA-256. */
  static final class Echo extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private final transient Apps apps;
    private final String name;

    Echo(Apps apps, String name) {
      this.apps = apps;
      this.name = name;
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      apps.invoked(name);
      String auth = req.getHeader("Authorization");
      apps.invoked(name + ":" + (auth == null ? "-" : auth));
      byte[] body;
      try (InputStream in = req.getInputStream()) {
        body = in.readAllBytes();
      }
      resp.setContentType("application/json");
      resp.getOutputStream().write(echo(body).getBytes(StandardCharsets.US_ASCII));
    }
  }

  /** The echo servlets' answer for {@code body}. */
  static String echo(byte[] body) {
    return ContractSuite.echo(body);
  }

  /** Throws. */
  static final class Boom extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private final transient Apps apps;

    Boom(Apps apps) {
      this.apps = apps;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
      apps.invoked("boom");
      throw new IllegalStateException("application failure (simulated)");
    }
  }

  /** Completes on another thread once the test releases it. */
  static final class Async extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private final transient Apps apps;

    Async(Apps apps) {
      this.apps = apps;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
      apps.invoked("async");
      AsyncContext async = req.startAsync();
      async.setTimeout(10_000);
      apps.executor.execute(
          () -> {
            try {
              if (apps.asyncRelease.await(5, TimeUnit.SECONDS)) {
                async.getResponse().setContentType("text/plain");
                async.getResponse().getOutputStream().write("async done".getBytes(StandardCharsets.US_ASCII));
              }
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            } catch (IOException e) {
              // the client went away
            } finally {
              async.complete();
            }
          });
      apps.asyncStarted.countDown();
    }
  }

  /** Starts async processing with a 200 ms timeout and never completes. */
  static final class AsyncTimeout extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private final transient Apps apps;

    AsyncTimeout(Apps apps) {
      this.apps = apps;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
      apps.invoked("async-timeout");
      req.startAsync().setTimeout(200);
    }
  }

  /** Blocks until released, then writes 4 MiB (which fails if the client has gone). */
  static final class Slow extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private final transient Apps apps;

    Slow(Apps apps) {
      this.apps = apps;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      apps.invoked("slow");
      apps.slowEntered.countDown();
      try {
        if (!apps.slowRelease.await(5, TimeUnit.SECONDS)) {
          throw new IllegalStateException("never released");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      resp.setContentType("application/octet-stream");
      ServletOutputStream out = resp.getOutputStream();
      byte[] chunk = new byte[64 * 1024];
      for (int i = 0; i < 64; i++) {
        out.write(chunk);
        out.flush();
      }
    }
  }

  /** Limits from annotations: the class's on GET and PUT, its own on POST; PUT requires a scope. */
  @AgentRateLimit(name = "cls", capacity = 2, refill = 2, period = "PT1H")
  static final class AnnotatedServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private final transient Apps apps;

    AnnotatedServlet(Apps apps) {
      this.apps = apps;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      answer(resp, "get");
    }

    @Override
    @AgentRateLimit(name = "post", capacity = 5, refill = 5, period = "PT1H")
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      answer(resp, "post");
    }

    @Override
    @RequireScope("dns:write")
    protected void doPut(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      answer(resp, "put");
    }

    private void answer(HttpServletResponse resp, String what) throws IOException {
      apps.invoked("annotated");
      apps.invoked("annotated." + what);
      resp.setContentType("text/plain");
      resp.getOutputStream().write(what.getBytes(StandardCharsets.US_ASCII));
    }
  }
}
