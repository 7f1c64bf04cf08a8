package dev.agentlimiter.core.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Issue 15: the order of the checks is written once ({@link Step#ORDER}) and is the order {@code
 * AgentLimiter}'s Javadoc documents: the steps of {@code admit}, then the policies' steps, each named in
 * bold in the documentation, in the same order, none missing and none extra.
 */
class Issue15StepOrderTest {

  private static final Path SOURCE =
      Path.of("..", "limiter-api", "src", "main", "java", "dev", "agentlimiter", "api", "AgentLimiter.java");

  @Test
  void theStepsRunInTheDocumentedOrder() throws IOException {
    String source = Files.readString(SOURCE);
    int admit = source.indexOf("Admission admit(RequestView request, Route route);");
    String admitDoc = source.substring(source.lastIndexOf("/**", admit), admit);
    String typeDoc = source.substring(0, source.indexOf("public interface AgentLimiter"));
    List<String> documented = new ArrayList<>(bold(admitDoc));
    documented.addAll(bold(typeDoc));
    assertThat(documented).containsExactlyElementsOf(Step.ORDER.stream().map(Step::title).toList());
  }

  @Test
  void theHttpStepsComeFirstAndThePolicyStepsPartitionTheRest() {
    assertThat(Step.HTTP)
        .containsExactly(Step.REQUEST_RULES, Step.CREDENTIAL_GUARD, Step.IDENTITY, Step.SCOPES, Step.BODY);
    List<Step> joined = new ArrayList<>(List.of(Step.HTTP));
    joined.addAll(List.of(Step.POLICY));
    assertThat(joined).isEqualTo(Step.ORDER);
  }

  private static List<String> bold(String javadoc) {
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile("<li><b>([^<]+)</b>").matcher(javadoc);
    while (m.find()) {
      out.add(m.group(1).trim());
    }
    return out;
  }
}
