package modulecheck;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The module descriptors of limiter-api, limiter-core, limiter-jwt and limiter-servlet: each exports exactly
 * its public packages, and the library runs on the module path. The other tests run on the class path.
 */
class ModulePathTest {

  /** Our modules and the third-party jars they need at run time, by file or folder name. */
  private static final List<String> MODULE_PATH =
      List.of(
          "limiter-api", "limiter-core", "limiter-jwt", "limiter-servlet", "caffeine-",
          "bucket4j_jdk17-core-", "jackson-core-", "slf4j-api-", "jspecify-", "nimbus-jose-jwt-",
          "jakarta.servlet-api-",
          // YAML policy files: jackson-dataformat-yaml's own descriptor requires databind (and so
          // annotations) on the module path, though core never uses it; the class path needs neither
          "jackson-dataformat-yaml-", "snakeyaml-", "jackson-databind-", "jackson-annotations-");

  @Test
  void eachModuleExportsExactlyItsPublicPackages() {
    Map<String, ModuleDescriptor> ours = new TreeMap<>();
    for (ModuleReference ref : ModuleFinder.of(modulePath().toArray(Path[]::new)).findAll()) {
      if (ref.descriptor().name().startsWith("dev.agentlimiter.")) {
        ours.put(ref.descriptor().name(), ref.descriptor());
      }
    }
    assertThat(ours.keySet())
        .containsExactly(
            "dev.agentlimiter.api",
            "dev.agentlimiter.core",
            "dev.agentlimiter.jwt",
            "dev.agentlimiter.servlet");
    ours.values().forEach(d -> assertThat(d.isAutomatic()).as(d.name()).isFalse());
    assertThat(exports(ours.get("dev.agentlimiter.api"))).containsExactly("dev.agentlimiter.api");
    assertThat(exports(ours.get("dev.agentlimiter.core")))
        .containsExactly(
            "dev.agentlimiter.core",
            "dev.agentlimiter.core.audit",
            "dev.agentlimiter.core.config",
            "dev.agentlimiter.core.http",
            "dev.agentlimiter.core.identity");
    assertThat(ours.get("dev.agentlimiter.core").packages())
        .contains(
            "dev.agentlimiter.core.internal.engine",
            "dev.agentlimiter.core.internal.state",
            "dev.agentlimiter.core.internal.defence",
            "dev.agentlimiter.core.internal.validation");
    assertThat(exports(ours.get("dev.agentlimiter.jwt"))).containsExactly("dev.agentlimiter.jwt");
    assertThat(exports(ours.get("dev.agentlimiter.servlet"))).containsExactly("dev.agentlimiter.servlet");
    // no package is opened for reflection, and no export is qualified (to a friend module)
    ours.values().forEach(d -> assertThat(d.opens()).as(d.name()).isEmpty());
  }

  @Test
  void theLibraryRunsOnTheModulePath() throws Exception {
    String testClasses =
        Path.of(ModulePathProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI())
            .toString();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("--module-path");
    command.add(modulePath().stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator)));
    command.add("--add-modules");
    command.add("dev.agentlimiter.servlet,dev.agentlimiter.jwt");
    command.add("-cp");
    command.add(testClasses);
    command.add(ModulePathProbe.class.getName());
    Path out = Files.createTempFile("module-path-probe", ".txt");
    try {
      Process probe =
          new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
      assertThat(probe.waitFor(60, TimeUnit.SECONDS)).as("the probe ends").isTrue();
      String output = Files.readString(out, StandardCharsets.UTF_8);
      assertThat(probe.exitValue()).as(output).isZero();
      assertThat(output.lines().filter(l -> !l.startsWith("SLF4J")).collect(Collectors.toList()))
          .as(output)
          .containsExactly("OK");
    } finally {
      Files.deleteIfExists(out);
    }
  }

  private static Set<String> exports(ModuleDescriptor d) {
    d.exports().forEach(e -> assertThat(e.isQualified()).as(d.name() + " exports " + e).isFalse());
    return d.exports().stream()
        .map(ModuleDescriptor.Exports::source)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  /** The entries of this JVM's class path that are our main jars (or classes) and their dependencies. */
  private static List<Path> modulePath() {
    List<Path> path = new ArrayList<>();
    String classPath = System.getProperty("java.class.path");
    for (String entry : Pattern.compile(Pattern.quote(File.pathSeparator)).split(classPath, -1)) {
      Path p = Path.of(entry);
      String name = p.getFileName().toString();
      Path module = p.getParent() == null ? null : p.getParent().getParent(); // <module>/target/classes
      boolean classes =
          name.equals("classes") && module != null && MODULE_PATH.contains(module.getFileName().toString());
      boolean jar =
          name.endsWith(".jar")
              && !name.endsWith("-tests.jar")
              && MODULE_PATH.stream().anyMatch(name::startsWith);
      if (classes || jar) {
        path.add(p);
      }
    }
    return path;
  }
}
