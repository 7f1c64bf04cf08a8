package dev.agentlimiter.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.lang.module.Configuration;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * limiter-micrometer's module descriptor exports only {@code dev.agentlimiter.micrometer} and resolves
 * against limiter-api and Micrometer. (limiter-servlet's {@code ModulePathTest} covers the other modules.)
 */
class ModuleDescriptorTest {

  private static final List<String> MODULE_PATH =
      List.of(
          "limiter-api",
          "limiter-micrometer",
          "micrometer-core-",
          "micrometer-commons-",
          "micrometer-observation-",
          "jspecify-");

  @Test
  void exportsOnlyItsPackageAndResolves() {
    ModuleFinder finder = ModuleFinder.of(modulePath().toArray(Path[]::new));
    ModuleDescriptor descriptor =
        finder.find("dev.agentlimiter.micrometer").orElseThrow().descriptor();
    assertThat(descriptor.isAutomatic()).isFalse();
    assertThat(
            descriptor.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet()))
        .containsExactly("dev.agentlimiter.micrometer");
    assertThat(descriptor.opens()).isEmpty();

    Configuration resolved =
        ModuleLayer.boot()
            .configuration()
            .resolve(finder, ModuleFinder.of(), Set.of("dev.agentlimiter.micrometer"));
    assertThat(resolved.modules().stream().map(m -> m.name()).collect(Collectors.toSet()))
        .contains("dev.agentlimiter.micrometer", "dev.agentlimiter.api", "micrometer.core");
  }

  private static List<Path> modulePath() {
    return Pattern.compile(Pattern.quote(File.pathSeparator))
        .splitAsStream(System.getProperty("java.class.path"))
        .map(Path::of)
        .filter(
            p -> {
              String name = p.getFileName().toString();
              Path module = p.getParent() == null ? null : p.getParent().getParent(); // <module>/target/classes
              boolean classes =
                  name.equals("classes")
                      && module != null
                      && MODULE_PATH.contains(module.getFileName().toString());
              boolean jar =
                  name.endsWith(".jar")
                      && !name.endsWith("-tests.jar")
                      && MODULE_PATH.stream().anyMatch(name::startsWith);
              return classes || jar;
            })
        .collect(Collectors.toList());
  }
}
