package dev.ferry.table;

/**
 * Where a request goes: an upstream, and a backend when the host named one directly, which
 * bypasses balancing and stickiness.
 */
public record Route(Upstream upstream, Backend pinned) {
}
