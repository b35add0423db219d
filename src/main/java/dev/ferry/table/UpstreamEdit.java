package dev.ferry.table;

import java.util.Optional;

/**
 * The upstream part of a {@code PUT}: what the caller asked for. A null field keeps the stored
 * value, or takes the default for a new upstream. {@code healthCheck} has three states: null
 * keeps the stored check, empty removes it, a value sets it.
 */
public record UpstreamEdit(String name, String alias, String listen, Boolean sticky,
    Optional<HealthCheck> healthCheck) {

  public UpstreamEdit(String name, String alias, String listen, Boolean sticky) {
    this(name, alias, listen, sticky, null);
  }
}
