package dev.ferry.table;

/**
 * One accepted put: the change it made, the upstream as it was before (null when the put
 * created it) and as the put wrote it, so that the put can be undone.
 */
public record Write(Change change, Upstream before, Upstream after) {

  /** The put created an upstream with a TCP listener, which every node now has to open. */
  public boolean opensListener() {
    return before == null && after.listenPort() != 0;
  }
}
