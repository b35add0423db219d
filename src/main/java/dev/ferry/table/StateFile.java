package dev.ferry.table;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * A copy of the upstream table on this node's disk, so that a cluster restarted as a whole gets
 * its table back. Written a short while after the last change, to a temporary file renamed
 * over the old one, so a crash leaves either the old copy or the new one.
 */
public final class StateFile {

  /** How long the writer waits for further changes before it writes. */
  static final long DEBOUNCE_MILLIS = 200;

  private static final Logger log = Logger.getLogger(StateFile.class.getName());

  private final Vertx vertx;
  private final Context context;
  private final Path path;
  private final UpstreamTable table;
  private long timer = -1;
  private boolean writing;
  private boolean again;

  public StateFile(Vertx vertx, Path path, UpstreamTable table) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.path = path;
    this.table = table;
  }

  /** Reads the file; an absent file is an empty table, a corrupt one is reported and ignored. */
  public Future<List<Upstream>> read() {
    return vertx.executeBlocking(() -> {
      if (!Files.exists(path)) {
        return List.of();
      }
      try {
        JsonObject json = new JsonObject(Files.readString(path));
        List<Upstream> upstreams = new ArrayList<>();
        for (Object item : json.getJsonArray("upstreams")) {
          upstreams.add(Upstream.fromStored(((JsonObject) item).encode()));
        }
        return upstreams;
      } catch (IOException | RuntimeException e) {
        log.warning("Ignoring state file " + path + ": it cannot be read as Ferry's table ("
            + e.getMessage() + ")");
        return List.of();
      }
    });
  }

  /** Schedules a write of the current snapshot; call it on every change, from any thread. */
  public void changed() {
    context.runOnContext(v -> {
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
      timer = vertx.setTimer(DEBOUNCE_MILLIS, t -> {
        timer = -1;
        write();
      });
    });
  }

  private void write() {
    if (writing) {
      again = true;
      return;
    }
    writing = true;
    RoutingTable snapshot = table.snapshot();
    context.executeBlocking(() -> {
      JsonArray list = new JsonArray();
      for (Upstream u : snapshot.upstreams()) {
        list.add(new JsonObject(u.toStored()));
      }
      writeAtomically(new JsonObject().put("upstreams", list).encodePrettily());
      return list.size();
    }).onComplete(ar -> {
      writing = false;
      if (ar.failed()) {
        log.warning("Cannot write state file " + path + ": " + ar.cause().getMessage());
      } else {
        log.fine(() -> "State file " + path + " written with " + ar.result() + " upstreams");
      }
      if (again) {
        again = false;
        write();
      }
    });
  }

  private void writeAtomically(String text) throws IOException {
    Path dir = path.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path temp = Files.createTempFile(dir, path.getFileName().toString(), ".tmp");
    try {
      Files.writeString(temp, text);
      try {
        Files.move(temp, path, StandardCopyOption.ATOMIC_MOVE,
            StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, path, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }
}
