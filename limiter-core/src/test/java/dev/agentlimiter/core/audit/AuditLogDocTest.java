package dev.agentlimiter.core.audit;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import dev.agentlimiter.api.AgentIdentity;
import dev.agentlimiter.api.AgentLimiter;
import dev.agentlimiter.api.AgentRequest;
import dev.agentlimiter.api.IdentitySource;
import dev.agentlimiter.api.LimiterEvent;
import dev.agentlimiter.api.LimiterListener;
import dev.agentlimiter.api.Limit;
import dev.agentlimiter.api.Policy;
import dev.agentlimiter.api.Reason;
import dev.agentlimiter.api.RequestFingerprint;
import dev.agentlimiter.core.AgentLimiters;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/observability.md's audit log section: its Java is compiled and run here, its example lines are the
 * lines these events make (the doc must contain each verbatim, and every JSON line in the section must parse),
 * and its logback.xml is loaded by logback and sends an audit line, alone and bare, to its file.
 */
class AuditLogDocTest {

  private static final Path DOC = Path.of("../docs/observability.md");
  private static final Path SOURCE = Path.of("src/test/java/dev/agentlimiter/core/audit/AuditLogDocTest.java");

  @Test
  void theJavaExampleRuns() {
    CapturedLines lines = CapturedLines.attach(AuditLog.DEFAULT_LOGGER_NAME);
    Policy api = Policy.named("api").limit(Limit.capacity(2).refill(2).per(Duration.ofMinutes(1))).build();
    LimiterListener metrics = LimiterListener.noop();
    // tag::enable[]
    AuditLog audit = AuditLog.builder().build();                  // logger "dev.agentlimiter.audit"
    AgentLimiter limiter = AgentLimiters.newBuilder()
        .listener(LimiterListener.of(audit, metrics))             // or .listener(audit) alone
        .build();
    // end::enable[]
    AgentIdentity agent = AgentIdentity.of("agent-7", IdentitySource.API_KEY);
    for (int i = 0; i < 5; i++) {
      limiter.decide(AgentRequest.of(agent, api)); // 2 admitted, 3 refused: 1 line, 2 folded
    }
    // tag::close[]
    audit.close();                                                // at shutdown: writes what is queued
    // end::close[]
    List<Map<String, Object>> written = lines.parsed();
    assertThat(written).extracting(l -> l.get("agentlimiter.reason")).containsExactly("RATE_LIMITED", "RATE_LIMITED");
    assertThat(written.get(1)).containsEntry("agentlimiter.suppressed", 2L);
  }

  @Test
  void theOptionsExampleBuilds() {
    // tag::options[]
    LongAdder suppressed = new LongAdder();                       // or a Micrometer counter
    LongAdder dropped = new LongAdder();
    AuditLog audit = AuditLog.builder()
        .loggerName("dev.agentlimiter.audit")                     // the default
        .logAdmissions(false)                                     // the default: no line per admission
        .foldWindow(Duration.ofSeconds(10))                       // the default; ZERO writes every line
        .maximumFoldKeys(10_000)                                  // the default
        .queueCapacity(10_000)                                    // the default; full: dropped, counted
        .onSuppressed(suppressed::add)                            // each fold line's count
        .onDropped(dropped::add)                                  // events lost, about once a second
        .build();
    // end::options[]
    audit.close();
    assertThat(audit.dropped()).isZero();
  }

  /** The example lines, by name, made by the same events as {@link AuditLogLinesTest}'s. */
  static Map<String, String> examples() {
    Map<String, String> out = new LinkedHashMap<>();
    example(out, "admission", b -> b.logAdmissions(true), a -> a.onDecision(Events.admission().build()));
    example(out, "refusal", b -> b, a -> a.onDecision(Events.refusal().build()));
    example(out, "shadow refusal", b -> b, a -> a.onDecision(Events.refusal().shadow(true).status(200).build()));
    example(out, "identity failure", b -> b, a -> a.onDecision(Events.unauthenticated().build()));
    RequestFingerprint fp = RequestFingerprint.of(0x0123456789abcdefL, 0x0fedcba987654321L, false);
    // the events a request caused carry its id, the id of its decision line (an operator's release and a
    // reclaimed permit were caused by none)
    Optional<String> id = Optional.of("4bf92f3577b34da6a3ce929d0e0e4736");
    example(out, "loop-detected", b -> b,
        a -> a.onEvent(new LimiterEvent.LoopDetected("agent-7", "api", fp, false, Duration.ofSeconds(5), id)));
    example(out, "burst-detected", b -> b,
        a -> a.onEvent(new LimiterEvent.BurstDetected("agent-7", "api", 60, 40, true, id)));
    example(out, "quarantined", b -> b,
        a -> a.onEvent(
            new LimiterEvent.Quarantined(
                "agent-7", "api", "api", Duration.ofMinutes(5), 1, Reason.LOOP_DETECTED, id)));
    example(out, "quarantine-released", b -> b,
        a -> a.onEvent(new LimiterEvent.QuarantineReleased("agent-7", "api")));
    example(out, "reputation-changed", b -> b,
        a -> a.onEvent(new LimiterEvent.ReputationChanged("agent-7", "api", 100, 50, id)));
    example(out, "budget-exhausted", b -> b,
        a -> a.onEvent(new LimiterEvent.BudgetExhausted("agent-7", "tokens", -120, Duration.ofHours(3), id)));
    example(out, "permit-reclaimed", b -> b,
        a -> a.onEvent(new LimiterEvent.PermitReclaimed("agent-7", "api", Duration.ofSeconds(31))));
    example(out, "config-applied", b -> b, a -> a.onConfiguration(Events.configApplied()));
    example(out, "config-refused", b -> b, a -> a.onConfiguration(Events.configRefused()));
    try (AuditFixture audit = new AuditFixture()) { // the fold line of 999 repeats
      for (int i = 0; i < 1_000; i++) {
        audit.log.onDecision(Events.refusal().time(Events.T0.plusMillis(i)).build());
      }
      audit.clock.advance(Duration.ofSeconds(10));
      audit.log.flush();
      out.put("fold", audit.lines.raw().get(1));
    }
    try {
      out.put("dropped", new AuditLines().dropped(Events.T0, 5)); // as the writer reports a full queue
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out;
  }

  private static String refusalLine() {
    return java.util.Objects.requireNonNull(examples().get("refusal"));
  }

  private static void example(
      Map<String, String> out,
      String name,
      java.util.function.UnaryOperator<AuditLog.Builder> options,
      Consumer<AuditLog> tell) {
    try (AuditFixture audit = new AuditFixture(options)) {
      tell.accept(audit.log);
      audit.log.flush();
      assertThat(audit.lines.raw()).as(name).hasSize(1);
      out.put(name, audit.lines.raw().get(0));
    }
  }

  /** The audit log section of the doc: from its heading to the next heading of its level. */
  private static String section() throws IOException {
    String doc = Files.readString(DOC, StandardCharsets.UTF_8);
    int start = doc.indexOf("## Audit log");
    assertThat(start).as("docs/observability.md has an '## Audit log' section").isNotNegative();
    int end = doc.indexOf("\n## ", start + 1);
    return end < 0 ? doc.substring(start) : doc.substring(start, end);
  }

  @Test
  void theDocShowsTheLinesTheLogWrites() throws IOException {
    Map<String, String> examples = examples();
    StringBuilder all = new StringBuilder();
    examples.forEach((name, line) -> all.append(name).append('\n').append(line).append('\n'));
    Files.createDirectories(Path.of("target"));
    Files.writeString(Path.of("target/audit-examples.txt"), all, StandardCharsets.UTF_8); // to copy from
    String section = section();
    examples.forEach((name, line) -> assertThat(section).as("the %s line", name).contains(line));
  }

  @Test
  void theReloadDocShowsTheConfigurationLines() throws IOException {
    String reload = Files.readString(Path.of("../docs/reload.md"), StandardCharsets.UTF_8);
    Map<String, String> examples = examples();
    for (String name : new String[] {"config-applied", "config-refused"}) {
      assertThat(reload).as("docs/reload.md shows the %s line", name).contains(examples.get(name));
    }
  }

  @Test
  void everyJsonLineOfTheSectionParsesAndThePrettyOneIsTheRefusal() throws IOException {
    String section = section();
    Matcher blocks = Pattern.compile("```json\\n(.*?)```", Pattern.DOTALL).matcher(section);
    List<String> pretty = new ArrayList<>();
    int lines = 0;
    while (blocks.find()) {
      String block = blocks.group(1);
      if (block.startsWith("{\n")) {
        pretty.add(block);
      } else {
        for (String line : block.split("\n", -1)) {
          if (!line.isEmpty()) {
            CapturedLines.flat(line);
            lines++;
          }
        }
      }
    }
    assertThat(lines).isEqualTo(examples().size());
    assertThat(pretty).hasSize(1);
    assertThat(CapturedLines.flat(pretty.get(0))).isEqualTo(CapturedLines.flat(refusalLine()));
  }

  @Test
  void theDocShowsTheCompiledJava() throws IOException {
    String source = Files.readString(SOURCE, StandardCharsets.UTF_8);
    String section = section();
    for (String tag : new String[] {"enable", "close", "options"}) {
      Matcher m =
          Pattern.compile("// tag::" + tag + "\\[]\\n(.*?)\\n\\s*// end::" + tag + "\\[]", Pattern.DOTALL)
              .matcher(source);
      assertThat(m.find()).as(tag).isTrue();
      assertThat(section).as("region %s", tag).contains(m.group(1).stripIndent());
    }
  }

  /** The section's logback.xml, loaded by logback itself: the audit line goes to its file, bare, and nowhere else. */
  @Test
  void theLogbackExampleSendsTheLinesToTheirOwnFile(@TempDir Path dir) throws Exception {
    Matcher m = Pattern.compile("```xml\\n(.*?)```", Pattern.DOTALL).matcher(section());
    assertThat(m.find()).isTrue();
    String xml = "<configuration>\n" + m.group(1).replace("logs/", dir.toString() + "/") + "</configuration>\n";
    LoggerContext context = new LoggerContext(); // an application's own, apart from the tests'
    context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
    JoranConfigurator joran = new JoranConfigurator();
    joran.setContext(context);
    joran.doConfigure(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    String line = refusalLine();
    context.getLogger(AuditLog.DEFAULT_LOGGER_NAME).warn(line);
    context.getLogger("com.example.App").warn("an application line");
    context.stop();
    assertThat(Files.readString(dir.resolve("audit.jsonl"), StandardCharsets.UTF_8)).isEqualTo(line + "\n");
  }
}
