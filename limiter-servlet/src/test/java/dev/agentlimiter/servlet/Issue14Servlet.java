package dev.agentlimiter.servlet;

import dev.agentlimiter.servlet.contract.Issue14HttpSuite;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** {@link Issue14HttpSuite}'s application as one servlet for {@code /*}, for any container. */
final class Issue14Servlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  private final transient Issue14HttpSuite.App app;

  Issue14Servlet(Issue14HttpSuite.App app) {
    this.app = app;
  }

  /** The path below the servlet's mapping, {@code /*}. */
  private static String path(HttpServletRequest req) {
    String info = req.getPathInfo();
    return info == null ? "/" : info;
  }

  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    String path = path(req);
    String body;
    if (path.startsWith("/jobs/")) {
      try {
        body = app.job(path.substring("/jobs/".length()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        resp.sendError(503);
        return;
      }
    } else if (path.equals("/v1/orders")) {
      body = app.orders();
    } else {
      resp.sendError(404);
      return;
    }
    resp.setContentType("text/plain");
    resp.getOutputStream().write(body.getBytes(StandardCharsets.US_ASCII));
  }

  @Override
  protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    if (!path(req).equals("/tasks")) {
      resp.sendError(404);
      return;
    }
    byte[] body;
    try (InputStream in = req.getInputStream()) {
      body = in.readAllBytes();
    }
    resp.setContentType("application/json");
    resp.getOutputStream().write(app.task(body).getBytes(StandardCharsets.US_ASCII));
  }
}
