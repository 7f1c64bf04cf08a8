package dev.agentlimiter.servlet.contract;

import dev.agentlimiter.api.Route;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The application behind the adapter, as the contract sees it: the endpoints' shared state (invocation
 * counters, latches, an executor for asynchronous completion), the routes the adapter must be configured
 * with, and its mode. Each adapter's test provides the endpoints themselves; see {@link ContractSuite} for
 * what each path does. One instance per started server.
 */
public final class Apps implements AutoCloseable {

  /** A configured route: {@code method} {@code null} for every method; {@code pattern} a servlet URL pattern. */
  public record RouteSpec(@Nullable String method, String pattern, Route route) {}

  private final List<RouteSpec> routes;
  private final boolean shadow;
  private final boolean failOpen;
  private final boolean caseInsensitive;
  private final ConcurrentHashMap<String, AtomicInteger> invocations = new ConcurrentHashMap<>();

  /** Counted down by {@code /async} once it has started async processing. */
  public final CountDownLatch asyncStarted = new CountDownLatch(1);

  /** Lets {@code /async} complete. */
  public final CountDownLatch asyncRelease = new CountDownLatch(1);

  /** Counted down by {@code /slow} once it is running. */
  public final CountDownLatch slowEntered = new CountDownLatch(1);

  /** Lets {@code /slow} write its response. */
  public final CountDownLatch slowRelease = new CountDownLatch(1);

  /** Completes asynchronous requests off the container's thread. */
  public final ExecutorService executor = Executors.newCachedThreadPool();

  public Apps(List<RouteSpec> routes, boolean shadow, boolean failOpen) {
    this(routes, shadow, failOpen, false);
  }

  /**
   * As {@link #Apps(List, boolean, boolean)}; with {@code caseInsensitive} the application routes ignoring
   * case where it can (the servlet front controller) and the adapter matches routes ignoring case.
   */
  public Apps(List<RouteSpec> routes, boolean shadow, boolean failOpen, boolean caseInsensitive) {
    this.routes = List.copyOf(routes);
    this.shadow = shadow;
    this.failOpen = failOpen;
    this.caseInsensitive = caseInsensitive;
  }

  public List<RouteSpec> routes() {
    return routes;
  }

  public boolean shadow() {
    return shadow;
  }

  public boolean failOpen() {
    return failOpen;
  }

  public boolean caseInsensitive() {
    return caseInsensitive;
  }

  /** Records one invocation of the application under {@code name}. */
  public void invoked(String name) {
    invocations.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
  }

  /** How often the application was invoked under {@code name}. */
  public int invocations(String name) {
    AtomicInteger n = invocations.get(name);
    return n == null ? 0 : n.get();
  }

  /** Every invocation, all names together. */
  public int totalInvocations() {
    return invocations.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  @Override
  public void close() {
    asyncRelease.countDown();
    slowRelease.countDown();
    executor.shutdownNow();
  }
}
