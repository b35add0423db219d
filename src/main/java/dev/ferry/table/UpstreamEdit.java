package dev.ferry.table;

/**
 * The upstream part of a {@code PUT}: what the caller asked for. A null field keeps the stored
 * value, or takes the default for a new upstream.
 */
public record UpstreamEdit(String name, String alias, String listen, Boolean sticky) {
}
