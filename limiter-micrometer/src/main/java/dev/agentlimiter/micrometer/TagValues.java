package dev.agentlimiter.micrometer;

import java.util.Arrays;
import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The values one tag may take, each with a small index: {@link #NONE} for an absent value, {@link #OTHER}
 * for every value beyond the bound, then the values admitted. Admission is first come, first kept (or
 * only the values given, when fixed) and lasts as long as this object; so at most {@code maximum + 2}
 * indices ever exist, whatever arrives. Thread-safe; a hit is one {@link ConcurrentHashMap} read.
 */
final class TagValues {

  static final int NONE = 0;
  static final int OTHER = 1;

  /** A longer value is never admitted: it is almost surely not a name, and would be kept for good. */
  static final int MAX_VALUE_LENGTH = 256;

  static final String NONE_VALUE = "none";
  static final String OTHER_VALUE = "OTHER";

  private final ConcurrentHashMap<String, Integer> indices = new ConcurrentHashMap<>();
  private final int maximum;
  private volatile String[] values;
  private volatile boolean full;

  private TagValues(int maximum) {
    this.maximum = maximum;
    this.values = new String[] {NONE_VALUE, OTHER_VALUE};
  }

  /** Admits the first {@code maximum} distinct values. */
  static TagValues firstSeen(int maximum) {
    return new TagValues(maximum);
  }

  /** Admits exactly {@code allowed}; every other value is {@link #OTHER}. */
  static TagValues only(Collection<String> allowed) {
    TagValues tags = new TagValues(allowed.size());
    for (String value : allowed) {
      tags.admit(value);
    }
    tags.full = true;
    return tags;
  }

  /** The index of {@code value}: admitted now if there is room. */
  int indexOf(@Nullable String value) {
    if (value == null || value.isEmpty()) {
      return NONE;
    }
    Integer index = indices.get(value);
    if (index != null) {
      return index;
    }
    if (full || value.length() > MAX_VALUE_LENGTH) {
      return OTHER;
    }
    return admit(value);
  }

  private synchronized int admit(String value) {
    Integer index = indices.get(value);
    if (index != null) {
      return index;
    }
    String[] current = values;
    if (current.length - 2 >= maximum) {
      full = true;
      return OTHER;
    }
    int next = current.length;
    String[] grown = Arrays.copyOf(current, next + 1);
    grown[next] = value;
    values = grown;
    indices.put(value, next);
    if (next - 1 >= maximum) {
      full = true;
    }
    return next;
  }

  /** The tag value of an index this object returned. */
  String value(int index) {
    return values[index];
  }

  /** The most indices this object can return: {@code maximum + 2}. */
  int capacity() {
    return maximum + 2;
  }
}
