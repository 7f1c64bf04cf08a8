package dev.agentlimiter.api;

import java.util.List;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/** {@link LimiterListener#of}: each listener told in turn, each failure isolated. */
final class CompositeListener implements LimiterListener {

  private static final System.Logger LOG = System.getLogger(LimiterListener.class.getName());

  private final LimiterListener[] listeners;

  CompositeListener(List<LimiterListener> listeners) {
    this.listeners = listeners.toArray(new LimiterListener[0]);
  }

  @Override
  public void onDecision(DecisionEvent event) {
    each(l -> l.onDecision(event));
  }

  @Override
  public boolean takesAdmissions() {
    for (LimiterListener l : listeners) {
      if (l.takesAdmissions()) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void onEvent(LimiterEvent event) {
    each(l -> l.onEvent(event));
  }

  @Override
  public void onConfiguration(ConfigurationEvent event) {
    each(l -> l.onConfiguration(event));
  }

  private void each(Consumer<LimiterListener> call) {
    @Nullable VirtualMachineError fatal = null;
    for (LimiterListener l : listeners) {
      try {
        call.accept(l);
      } catch (VirtualMachineError e) {
        fatal = fatal == null ? e : fatal;
      } catch (Throwable e) { // one listener's failure must not silence the others
        LOG.log(System.Logger.Level.WARNING, "limiter listener " + l + " failed", e);
      }
    }
    if (fatal != null) {
      throw fatal;
    }
  }

  @Override
  public String toString() {
    return "LimiterListener.of" + List.of(listeners);
  }
}
