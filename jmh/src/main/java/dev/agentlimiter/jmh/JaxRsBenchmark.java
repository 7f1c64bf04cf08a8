package dev.agentlimiter.jmh;

import dev.agentlimiter.jaxrs.load.LoadApplication;
import jakarta.ws.rs.core.SecurityContext;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.glassfish.jersey.internal.MapPropertiesDelegate;
import org.glassfish.jersey.server.ApplicationHandler;
import org.glassfish.jersey.server.ContainerException;
import org.glassfish.jersey.server.ContainerRequest;
import org.glassfish.jersey.server.ContainerResponse;
import org.glassfish.jersey.server.spi.ContainerResponseWriter;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One whole Jersey request, in process, with and without {@link AgentLimiterFeature}: what the feature adds
 * to a JAX-RS request without the network, the servlet container and the load generator that share the two
 * cores in the HTTP load test of docs/benchmarks.md (whose throughput swings with the host). Each operation
 * builds a {@link ContainerRequest} for {@code GET /hello} with an {@code Authorization} header, hands it to
 * Jersey's {@link ApplicationHandler}, and a response writer writes the status line and every header as
 * bytes, as a container would. The application is the HTTP load test's own ({@code LoadApplication} of
 * limiter-jaxrs's test jar), in the same modes, all in the same run:
 *
 * <ul>
 *   <li>{@code none}: the resource alone (its {@code @AgentRateLimit} is never read);
 *   <li>{@code naive}: <b>the floor</b>: a global request filter with a Caffeine lookup and a Bucket4j
 *       consume keyed on the raw header, no verification, no response fields;
 *   <li>{@code bound}: a request filter that does nothing, bound to the method by a {@code DynamicFeature}
 *       as the feature binds its own (on Jersey it binds no response filter): Jersey's share of the cost;
 *   <li>{@code fields}: the feature's Jersey response half alone: the bound filter wraps the response
 *       writer, which sets two fixed {@code RateLimit} fields (not in the default run: {@code -p mode=fields});
 *   <li>{@code feature}: the library with API keys, a limit that never refuses, both {@code RateLimit}
 *       fields on the response, the outcome reported.
 * </ul>
 *
 * <p>An answer other than 200, or one with a {@code RateLimit} field in another mode than {@code fields} or
 * {@code feature} or without it in those two, fails the iteration.
 *
 * <pre>
 * java -jar jmh/target/benchmarks.jar JaxRsBenchmark -prof gc -t 1
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
// Serial GC: a Jersey request allocates about 13 KB, and G1's worker threads woke on other cores at every
// young collection, which this VM makes slow and erratic (±40 % per iteration with G1, ±10-15 % with Serial).
// Every mode pays its own allocation either way, on the benchmark thread.
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-Xmn1g", "-XX:+UseSerialGC", "-XX:+AlwaysPreTouch"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class JaxRsBenchmark {

  private static final URI BASE = URI.create("http://127.0.0.1/");
  private static final URI HELLO = URI.create("http://127.0.0.1/hello");
  private static final SecurityContext INSECURE = new Insecure();

  /** Per thread: the application, the keys to rotate through, and the writer's counters. */
  @State(Scope.Thread)
  @SuppressWarnings("NullAway.Init")
  public static class Server {
    @Param({"none", "naive", "bound", "feature"})
    public String mode;

    @Param({"1", "10000"})
    public int keys;

    ApplicationHandler handler;
    String[] authorizations;
    int next;
    final Sink sink = new Sink();

    @Setup(Level.Trial)
    public void start() {
      handler = new ApplicationHandler(LoadApplication.of(mode, keys));
      authorizations = new String[keys];
      for (int i = 0; i < keys; i++) {
        authorizations[i] = "Bearer " + LoadApplication.key(i);
      }
      sink.expectRateLimit = mode.equals("feature") || mode.equals("fields");
    }

    @TearDown(Level.Iteration)
    public void check() {
      if (sink.wrong > 0) {
        throw new IllegalStateException(
            sink.wrong + " unexpected answers in mode " + mode + ", last: " + sink.lastWrong);
      }
    }
  }

  @Benchmark
  public int request(Server server) {
    int i = server.next;
    server.next = i + 1 == server.keys ? 0 : i + 1;
    ContainerRequest request =
        new ContainerRequest(BASE, HELLO, "GET", INSECURE, new MapPropertiesDelegate(), server.handler.getConfiguration());
    request.header("Authorization", server.authorizations[i]);
    request.header("Accept", "*/*");
    request.setEntityStream(new ByteArrayInputStream(new byte[0]));
    request.setWriter(server.sink);
    server.handler.handle(request);
    return server.sink.bytes.size();
  }

  /** Writes what a container writes: the status line and every header, then the entity, as bytes. */
  static final class Sink implements ContainerResponseWriter {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream(1024);
    boolean expectRateLimit;
    long wrong;
    @Nullable String lastWrong;

    @Override
    public OutputStream writeResponseStatusAndHeaders(long contentLength, ContainerResponse response) {
      bytes.reset();
      int status = response.getStatus();
      // every mode looks the field up, so that the check costs them all the same
      boolean hasRateLimit = response.getHeaderString("RateLimit") != null;
      if (status != 200 || hasRateLimit != expectRateLimit) {
        wrong++;
        lastWrong = status + " " + response.getStringHeaders();
      }
      write("HTTP/1.1 " + status + "\r\n");
      for (Map.Entry<String, List<String>> header : response.getStringHeaders().entrySet()) {
        for (String value : header.getValue()) {
          write(header.getKey());
          write(": ");
          write(value);
          write("\r\n");
        }
      }
      write("\r\n");
      return bytes;
    }

    private void write(String s) {
      bytes.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Override
    public boolean suspend(long timeOut, TimeUnit timeUnit, TimeoutHandler timeoutHandler) {
      return true;
    }

    @Override
    public void setSuspendTimeout(long timeOut, TimeUnit timeUnit) {
      // never suspended
    }

    @Override
    public void commit() {
      // the bytes stay in the buffer
    }

    @Override
    public void failure(Throwable error) {
      wrong++;
      lastWrong = String.valueOf(error);
      throw new ContainerException(error);
    }

    @Override
    public boolean enableResponseBuffering() {
      return false;
    }
  }

  /** No authenticated user; not secure. */
  private static final class Insecure implements SecurityContext {
    @Override
    public @Nullable Principal getUserPrincipal() {
      return null;
    }

    @Override
    public boolean isUserInRole(String role) {
      return false;
    }

    @Override
    public boolean isSecure() {
      return false;
    }

    @Override
    public @Nullable String getAuthenticationScheme() {
      return null;
    }
  }
}
