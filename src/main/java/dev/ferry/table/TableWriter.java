package dev.ferry.table;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.vertx.core.Future;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Every write to the upstream table. Each one checks the change against the claims of the other
 * upstreams and writes it, all under one cluster-wide lock, so two nodes never accept changes
 * that conflict with each other.
 */
public final class TableWriter {

  /** The key locked around every write; its value is the highest revision written. */
  private static final String LOCK = "table";
  private static final String REVISION = LOCK;
  /** How long a write waits for its turn before it answers 503. */
  private static final long LOCK_WAIT_SECONDS = 10;

  private final UpstreamTable table;
  private final IMap<String, Long> meta;
  private final Supplier<Map<Integer, String>> reservedPorts;
  private final ClaimIndex index;
  private final ReentrantLock local = new ReentrantLock(true);
  private final String by;

  /**
   * {@code reservedPorts} maps each port the cluster's nodes use themselves to what uses it;
   * {@code by} names this node in the logs of every node that applies its writes.
   */
  public TableWriter(UpstreamTable table, HazelcastInstance hazelcast,
      Supplier<Map<Integer, String>> reservedPorts, String by) {
    this.by = by;
    this.table = table;
    this.meta = hazelcast.getMap(UpstreamTable.META);
    this.reservedPorts = reservedPorts;
    this.index = new ClaimIndex(hazelcast);
  }

  /** Adds or updates the upstream and one of its backends. */
  public Future<Write> put(UpstreamEdit edit, Backend backend) {
    return locked(() -> {
      Upstream existing = read(edit.name());
      String alias = edit.alias() != null ? edit.alias() : existing != null ? existing.alias() : "";
      String listen = listenFor(edit, existing);
      checkClaims(edit.name(), alias, existing == null ? listen : "");
      boolean sticky = edit.sticky() != null ? edit.sticky()
          : existing == null || existing.sticky();
      HealthCheck check = edit.healthCheck() != null ? edit.healthCheck().orElse(null)
          : existing == null ? null : existing.healthCheck();
      long revision = nextRevision(existing);
      Upstream updated;
      if (existing == null) {
        updated = new Upstream(edit.name(), alias, listen, sticky, List.of(backend), check,
            revision);
      } else {
        Backend kept = keepDetectedScheme(existing.backend(backend.id()), backend);
        updated = existing.withSettings(alias, sticky, check, revision)
            .withBackend(kept, revision);
      }
      table.map().set(updated.name(), updated.toStored(by));
      index.claim(updated, existing);
      return new Write(new Change(updated.name(), revision, false), existing, updated);
    });
  }

  /**
   * Undoes a put that created an upstream whose listener some node cannot open: removes the
   * upstream, also when later puts added backends to it, since none of them can be served on
   * that port either. Answers the change made, or null when the upstream is already gone or
   * listens elsewhere.
   */
  public Future<Change> revertListener(Write write) {
    return locked(() -> {
      Upstream current = read(write.change().name());
      if (current == null || !current.listen().equals(write.after().listen())) {
        return null;
      }
      return removeUpstream(current);
    });
  }

  /** Removes one backend; the upstream goes with its last backend. */
  public Future<Change> remove(String name, String backendId) {
    return locked(() -> {
      Upstream existing = read(name);
      if (existing == null) {
        throw new TableException(404, "no upstream named " + name);
      }
      if (existing.backend(backendId) == null) {
        throw new TableException(404, "upstream " + name + " has no backend " + backendId);
      }
      if (existing.backends().size() == 1) {
        return removeUpstream(existing);
      }
      long revision = nextRevision(existing);
      table.map().set(name, existing.withoutBackend(backendId, revision).toStored(by));
      return new Change(name, revision, false);
    });
  }

  /**
   * Records the scheme the proxy found a backend to speak, unless the backend changed since it
   * was probed. Answers null when nothing was written.
   */
  public Future<Change> recordScheme(String name, Backend probed, String scheme) {
    return locked(() -> {
      Upstream existing = read(name);
      Backend current = existing == null ? null : existing.backend(probed.id());
      if (current == null || !current.scheme().isEmpty() || !current.sameAddress(probed)) {
        return null;
      }
      long revision = nextRevision(existing);
      table.map().set(name,
          existing.withBackend(current.withScheme(scheme), revision).toStored(by));
      return new Change(name, revision, false);
    });
  }

  /**
   * Writes upstreams read back from a state file, unless the cluster already has a table
   * history: a revision counter exists once any node wrote or restored the table since the
   * cluster formed. Answers how many were restored, or -1 when the cluster had a table.
   */
  public Future<Integer> restore(List<Upstream> upstreams) {
    return locked(() -> {
      if (meta.get(REVISION) != null || !table.map().isEmpty()) {
        return -1;
      }
      if (upstreams.isEmpty()) {
        return 0;
      }
      long highest = 0;
      for (Upstream u : upstreams) {
        table.map().set(u.name(), u.toStored(by + " from its state file"));
        index.claim(u, null);
        highest = Math.max(highest, u.revision());
      }
      meta.set(REVISION, highest);
      return upstreams.size();
    });
  }

  private Change removeUpstream(Upstream existing) {
    // Written once more first, unchanged but for the writer, so that the removal event every
    // node logs carries the name of the node that removed it.
    table.map().set(existing.name(), existing.toStored(by));
    table.map().remove(existing.name());
    index.release(existing);
    nextRevision(existing);
    return new Change(existing.name(), existing.revision(), true);
  }

  /**
   * Runs {@code body} under the cluster-wide lock. This node's writes queue first, in order,
   * for a local fair lock: the cluster lock is not fair, and a crowd of writers from one node
   * racing for it could starve one of them past the timeout.
   */
  private <T> Future<T> locked(Callable<T> body) {
    return table.vertx().executeBlocking(() -> {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(LOCK_WAIT_SECONDS);
      if (!local.tryLock(LOCK_WAIT_SECONDS, TimeUnit.SECONDS)) {
        throw busy();
      }
      try {
        long left = Math.max(0, deadline - System.nanoTime());
        if (!meta.tryLock(LOCK, left, TimeUnit.NANOSECONDS, 30, TimeUnit.SECONDS)) {
          throw busy();
        }
        try {
          return body.call();
        } finally {
          meta.unlock(LOCK);
        }
      } finally {
        local.unlock();
      }
    }, false);
  }

  private static TableException busy() {
    return new TableException(503, "the upstream table is busy; try again");
  }

  private Upstream read(String name) {
    String stored = table.map().get(name);
    return stored == null ? null : Upstream.fromStored(stored);
  }

  private long nextRevision(Upstream existing) {
    Long current = meta.get(REVISION);
    long next = Math.max(current == null ? 0 : current,
        existing == null ? 0 : existing.revision()) + 1;
    meta.set(REVISION, next);
    return next;
  }

  /** Refuses a name, alias or port that another upstream holds, or a port a node uses. */
  private void checkClaims(String name, String alias, String newListen) {
    int port = newListen.isEmpty() ? 0 : Integer.parseInt(newListen.substring(1));
    if (port != 0) {
      String user = reservedPorts.get().get(port);
      if (user != null) {
        throw new TableException(409, "port " + port + " is used by " + user);
      }
    }
    for (ClaimIndex.Claim claim : index.holders(name, alias, port)) {
      Upstream holder = read(claim.holder());
      if (holder == null || !claim.heldBy(holder)) {
        continue;
      }
      throw new TableException(409, switch (claim.kind()) {
        case NAME -> "upstream name " + name + " differs only in case from upstream "
            + holder.name() + "; host names cannot tell them apart";
        case ALIAS -> "alias " + alias + " is already used by upstream " + holder.name();
        case PORT -> "port " + port + " is already the listener of upstream " + holder.name();
      });
    }
  }

  private static String listenFor(UpstreamEdit edit, Upstream existing) {
    if (existing != null) {
      if (edit.listen() != null && !edit.listen().equals(existing.listen())) {
        throw new TableException(409, "upstream " + existing.name() + " listens on "
            + (existing.listen().isEmpty() ? "no port" : existing.listen())
            + " and its listen port cannot change; remove the upstream to move it");
      }
      return existing.listen();
    }
    return edit.listen() == null ? "" : edit.listen();
  }

  private static Backend keepDetectedScheme(Backend old, Backend incoming) {
    if (old != null && incoming.scheme().isEmpty() && old.sameAddress(incoming)) {
      return incoming.withScheme(old.scheme());
    }
    return incoming;
  }
}
