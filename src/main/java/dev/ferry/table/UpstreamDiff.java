package dev.ferry.table;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** One line for the operator log saying how an upstream changed between two versions. */
final class UpstreamDiff {

  private UpstreamDiff() {
  }

  /**
   * What changed from {@code before} to {@code after} (either null when the upstream is new or
   * gone), or null when nothing an operator sees changed.
   */
  static String describe(Upstream before, Upstream after) {
    if (before == null && after == null) {
      return null;
    }
    if (after == null) {
      return "Upstream " + before.name() + " removed with backends " + ids(before.backends());
    }
    if (before == null) {
      return "Upstream " + after.name() + " added" + settings(after) + " with backends "
          + backends(after.backends());
    }
    List<String> changes = new ArrayList<>();
    for (Backend b : after.backends()) {
      Backend old = before.backend(b.id());
      if (old == null) {
        changes.add("backend " + describe(b) + " added");
      } else if (!old.equals(b)) {
        changes.add("backend " + b.id() + " changed from " + fields(old) + " to " + fields(b));
      }
    }
    for (Backend b : before.backends()) {
      if (after.backend(b.id()) == null) {
        changes.add("backend " + b.id() + " (" + b.hostPort() + ") removed");
      }
    }
    if (!before.alias().equals(after.alias())) {
      changes.add("alias " + quoted(before.alias()) + " -> " + quoted(after.alias()));
    }
    if (before.sticky() != after.sticky()) {
      changes.add("sticky " + after.sticky());
    }
    if (!Objects.equals(before.healthCheck(), after.healthCheck())) {
      changes.add(after.healthCheck() == null ? "health check off"
          : "health check " + after.healthCheck().toJson().encode());
    }
    return changes.isEmpty() ? null
        : "Upstream " + after.name() + " changed: " + String.join(", ", changes);
  }

  private static String settings(Upstream u) {
    StringBuilder out = new StringBuilder();
    if (!u.alias().isEmpty()) {
      out.append(" (alias ").append(u.alias());
    }
    if (!u.listen().isEmpty()) {
      out.append(out.length() == 0 ? " (" : ", ").append("listen ").append(u.listen());
    }
    if (!u.sticky()) {
      out.append(out.length() == 0 ? " (" : ", ").append("not sticky");
    }
    return out.length() == 0 ? "" : out.append(')').toString();
  }

  private static String backends(List<Backend> list) {
    List<String> parts = new ArrayList<>();
    list.forEach(b -> parts.add(describe(b)));
    return String.join(", ", parts);
  }

  private static String ids(List<Backend> list) {
    List<String> parts = new ArrayList<>();
    list.forEach(b -> parts.add(b.id()));
    return String.join(", ", parts);
  }

  private static String describe(Backend b) {
    return b.id() + " (" + fields(b) + ")";
  }

  private static String fields(Backend b) {
    return (b.scheme().isEmpty() ? "" : b.scheme() + "://") + b.hostPort() + " weight "
        + b.weight() + (b.version().isEmpty() ? "" : " version " + b.version());
  }

  private static String quoted(String value) {
    return value.isEmpty() ? "none" : value;
  }
}
