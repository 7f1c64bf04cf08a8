package dev.agentlimiter.core.config;

import com.fasterxml.jackson.dataformat.yaml.util.StringQuotingChecker;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which strings the canonical YAML writes unquoted: only those every YAML reader (1.1 or 1.2) reads back
 * as the same string. Everything else is quoted: words a YAML 1.1 reader takes for a boolean or null, and
 * anything that could be a number, a timestamp, an indicator or a comment.
 */
final class PlainScalars extends StringQuotingChecker {

  private static final long serialVersionUID = 1L;

  /** A letter or '/' first, then letters, digits and {@code . _ / - * :} with no ": " (no spaces at all). */
  private static final Pattern SAFE = Pattern.compile("[A-Za-z/][A-Za-z0-9._/*-]*");

  /** A duration of the short form, such as {@code 500ms}: no YAML reader takes it for a number. */
  private static final Pattern DURATION = Pattern.compile("[0-9]{1,15}(ms|s|m|h|d)");

  private static final Set<String> RESERVED =
      Set.of("y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf");

  @Override
  public boolean needToQuoteName(String name) {
    return !plain(name);
  }

  @Override
  public boolean needToQuoteValue(String value) {
    return !plain(value);
  }

  private static boolean plain(String s) {
    if (DURATION.matcher(s).matches()) {
      return true;
    }
    return SAFE.matcher(s).matches() && !RESERVED.contains(s.toLowerCase(Locale.ROOT));
  }
}
