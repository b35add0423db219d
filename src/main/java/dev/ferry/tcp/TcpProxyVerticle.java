package dev.ferry.tcp;

import dev.ferry.FerryNode;
import dev.ferry.balance.BackendChooser;
import dev.ferry.logging.AccessEntry;
import dev.ferry.stats.StatsVerticle;
import dev.ferry.stats.TrafficCounter;
import dev.ferry.table.Backend;
import dev.ferry.table.RoutingTable;
import dev.ferry.table.Upstream;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.net.ConnectException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The TCP listeners of the upstreams that have a {@code listen} port: opened when such an
 * upstream appears, closed with their clients when it goes. Bytes are piped unchanged, with
 * back-pressure, to a backend chosen as for HTTP. One instance per event loop; Vert.x shares each
 * port among them.
 */
public final class TcpProxyVerticle extends VerticleBase {

  private static final Logger log = Logger.getLogger(TcpProxyVerticle.class.getName());
  /** How often a listener that could not be opened is tried again. */
  static final long RETRY_MILLIS = 5000;
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private final FerryNode node;
  private final int instance;
  private final boolean reporting;
  private final Map<Integer, Listener> listeners = new HashMap<>();
  /** Ports of the table whose listener could not be opened; retried until they open. */
  private final Set<Integer> failing = new HashSet<>();
  private final Map<Integer, Future<Void>> closing = new HashMap<>();
  private TrafficCounter counter;
  private BackendChooser chooser;
  private NetClient client;

  private static final class Listener {
    final String upstream;
    final String listen;
    final Set<NetSocket> clients = new HashSet<>();
    NetServer server;
    /** Completes once the bind is over: null when it succeeded, else why it failed. */
    Future<String> bound;
    boolean serving;
    boolean closed;

    Listener(String upstream, String listen) {
      this.upstream = upstream;
      this.listen = listen;
    }
  }

  /** Instance 0 writes the log lines that all instances share. */
  public TcpProxyVerticle(FerryNode node, int instance) {
    this.node = node;
    this.instance = instance;
    this.reporting = instance == 0;
  }

  @Override
  public Future<?> start() {
    counter = new TrafficCounter(vertx);
    counter.start();
    chooser = new BackendChooser(node.sessions(), node.health());
    client = vertx.createNetClient(new NetClientOptions()
        .setConnectTimeout((int) node.config().backendConnectTimeout().toMillis()));
    Future<Void> following = vertx.eventBus()
        .localConsumer(FerryNode.TABLE_CHANGED, msg -> sync()).completion();
    vertx.setPeriodic(RETRY_MILLIS, t -> {
      if (!failing.isEmpty()) {
        sync();
      }
    });
    return following.onSuccess(v -> sync());
  }

  /**
   * Opens and closes listeners to match the table, then reports the generation reached and the
   * ports whose listener could not be opened.
   */
  private void sync() {
    long generation = node.table().generation();
    RoutingTable table = node.table().snapshot();
    List<Future<?>> pending = new ArrayList<>();
    for (Listener l : new ArrayList<>(listeners.values())) {
      Upstream u = table.byPort(port(l));
      if (u == null || !u.name().equals(l.upstream)) {
        pending.add(close(l));
      }
    }
    Map<Integer, String> failed = new HashMap<>();
    table.listeners().forEach((port, upstream) -> {
      Listener l = listeners.containsKey(port) ? listeners.get(port) : open(port, upstream);
      pending.add(l.bound.onSuccess(why -> {
        if (why != null) {
          failed.put(port, why);
        }
      }));
    });
    failing.removeIf(port -> table.byPort(port) == null);
    chooser.retainOnly(name -> table.upstream(name) != null);
    Future.join(pending).onComplete(ar ->
        node.listenerSync().reached(instance, generation, failed));
  }

  private static int port(Listener l) {
    return Integer.parseInt(l.listen.substring(1));
  }

  /**
   * Binds the port once a listener closing on it has let go of it, so that an upstream removed
   * and added again does not find its own old socket in the way.
   */
  private Listener open(int port, Upstream upstream) {
    Listener l = new Listener(upstream.name(), upstream.listen());
    listeners.put(port, l);
    String host = node.config().listenAddr().bindHost();
    // The idle timer sees bytes both ways: those read from the client and those written to it.
    l.server = vertx.createNetServer(new NetServerOptions().setHost(host).setPort(port)
            .setIdleTimeout((int) node.config().tcpIdleTimeout().toMillis())
            .setIdleTimeoutUnit(TimeUnit.MILLISECONDS))
        .connectHandler(socket -> accept(l, socket));
    Future<NetServer> listening = closing.getOrDefault(port, Future.succeededFuture())
        .compose(v -> l.server.listen());
    l.bound = listening.map((String) null).otherwise(Throwable::getMessage);
    listening.onComplete(ar -> {
      if (ar.failed()) {
        // Forgotten, so that the next sync, at the latest the periodic retry, binds it again.
        listeners.remove(port, l);
        if (failing.add(port) && reporting) {
          log.warning("Cannot open TCP listener " + l.listen + " of upstream " + l.upstream
              + ": " + ar.cause().getMessage() + "; retrying every "
              + RETRY_MILLIS / 1000 + " s");
        }
        reportFailure(l, ar.cause().getMessage());
        return;
      }
      if (l.closed) {
        return;
      }
      boolean retried = failing.remove(port);
      l.serving = true;
      report(l, true);
      if (reporting) {
        log.info("TCP listener " + host + l.listen + " of upstream " + l.upstream + " opened"
            + (retried ? " after failing before" : ""));
      }
    });
    return l;
  }

  private Future<Void> close(Listener l) {
    int port = port(l);
    l.closed = true;
    listeners.remove(port, l);
    Future<Void> closed = l.bound.transform(ar -> l.server.close()).otherwiseEmpty();
    closing.put(port, closed);
    closed.onComplete(ar -> closing.remove(port, closed));
    for (NetSocket socket : new ArrayList<>(l.clients)) {
      socket.close();
    }
    if (l.serving) {
      l.serving = false;
      report(l, false);
      if (reporting) {
        log.info("TCP listener " + l.listen + " of upstream " + l.upstream + " closed");
      }
    }
    return closed;
  }

  private void report(Listener l, boolean serving) {
    vertx.eventBus().send(StatsVerticle.LISTENER,
        new JsonObject().put("listen", l.listen).put("serving", serving), LOCAL);
  }

  private void reportFailure(Listener l, String error) {
    vertx.eventBus().send(StatsVerticle.LISTENER, new JsonObject().put("listen", l.listen)
        .put("serving", false).put("failed", true).put("error", error), LOCAL);
  }

  private void accept(Listener l, NetSocket source) {
    Upstream upstream = node.table().snapshot().byPort(port(l));
    // A client that reset its connection as it was accepted has no address left: it is gone.
    if (source.remoteAddress() == null || upstream == null || l.closed
        || !node.connectionLimit().tryOpen(l.listen)) {
      source.close();
      return;
    }
    source.pause();
    l.clients.add(source);
    source.closeHandler(v -> gone(l, source));
    // A client resetting while its backend is being connected is routine, not an error.
    source.exceptionHandler(err -> log.fine(() -> "Client of listener " + l.listen
        + " failed: " + err));
    connect(l, upstream, source, null);
  }

  private void gone(Listener l, NetSocket source) {
    l.clients.remove(source);
    node.connectionLimit().closed();
  }

  private void connect(Listener l, Upstream upstream, NetSocket source, List<String> tried) {
    SocketAddress address = source.remoteAddress();
    String clientIp = address == null ? "-" : address.hostAddress();
    Backend backend = chooser.choose(upstream, clientIp, tried);
    if (backend == null) {
      var delta = counter.of(upstream.name(), null, l.listen);
      delta.request();
      delta.fail();
      logConnection(source, l, null, System.nanoTime(), 0, 0);
      source.close();
      return;
    }
    client.connect(backend.port(), backend.ip()).onComplete(ar -> {
      if (ar.succeeded()) {
        node.health().succeeded(upstream.name(), backend);
        pipe(l, upstream, backend, source, ar.result());
        return;
      }
      node.health().failed(upstream.name(), backend);
      if (ar.cause() instanceof ConnectException && !l.closed) {
        List<String> refused = tried == null ? new ArrayList<>() : tried;
        refused.add(backend.id());
        connect(l, upstream, source, refused);
      } else {
        var delta = counter.of(upstream.name(), backend.id(), l.listen);
        delta.request();
        delta.fail();
        logConnection(source, l, backend.id(), System.nanoTime(), 0, 0);
        source.close();
      }
    });
  }

  private void pipe(Listener l, Upstream upstream, Backend backend, NetSocket source,
      NetSocket target) {
    if (!l.clients.contains(source)) {
      target.close();
      return;
    }
    String name = upstream.name();
    String id = backend.id();
    var opened = counter.of(name, id, l.listen);
    opened.request();
    opened.clientOpened();
    long started = System.nanoTime();
    boolean[] done = new boolean[1];
    long[] bytes = new long[2];
    Runnable finish = () -> {
      if (!done[0]) {
        done[0] = true;
        counter.of(name, id, l.listen).clientClosed();
        logConnection(source, l, id, started, bytes[0], bytes[1]);
        source.close();
        target.close();
      }
    };
    forward(source, target, n -> {
      bytes[0] += n;
      counter.of(name, id, l.listen).received(n);
    });
    forward(target, source, n -> {
      bytes[1] += n;
      counter.of(name, id, l.listen).sent(n);
    });
    source.closeHandler(v -> {
      gone(l, source);
      finish.run();
    });
    target.closeHandler(v -> finish.run());
    source.exceptionHandler(err -> finish.run());
    target.exceptionHandler(err -> finish.run());
    source.resume();
  }

  private void logConnection(NetSocket source, Listener l, String backend, long started,
      long bytesIn, long bytesOut) {
    if (node.accessLog().on()) {
      SocketAddress address = source.remoteAddress();
      node.accessLog().add(new AccessEntry(System.currentTimeMillis(),
          address == null ? "-" : address.hostAddress(), l.upstream, backend, "TCP", l.listen, 0,
          bytesIn, bytesOut, (System.nanoTime() - started) / 1_000_000));
    }
  }

  /**
   * Copies {@code from} to {@code to}, pausing the reader while the writer's queue is full.
   *
   * <p>Missing: TCP half-close. A peer's FIN ends the relay both ways, so a client that shuts
   * down its sending side and waits for the reply gets none. Passing the FIN on while the
   * other direction keeps flowing was tried, with Netty's half-closure option: on the epoll
   * transport (Netty 4.2.18) a socket whose input was shut is dropped from the poll set, and the
   * bytes written to it afterwards were cut short without an error (a 30 MB reply arrived as 4
   * to 26 MB). A clean end is worth more than a truncated one, so the FIN closes both sides.
   */
  private static void forward(NetSocket from, NetSocket to, java.util.function.LongConsumer count) {
    from.handler(buffer -> {
      count.accept(buffer.length());
      to.write(buffer);
      if (to.writeQueueFull()) {
        from.pause();
        to.drainHandler(v -> from.resume());
      }
    });
    from.endHandler(v -> to.end());
  }

  @Override
  public Future<?> stop() {
    node.listenerSync().leave(instance);
    List<Future<Void>> stopping = new ArrayList<>();
    for (Listener l : new ArrayList<>(listeners.values())) {
      l.closed = true;
      if (l.server != null) {
        stopping.add(l.server.shutdown(node.config().drainTimeout().toMillis(),
            TimeUnit.MILLISECONDS));
      }
    }
    return Future.join(stopping).onComplete(ar -> counter.stop());
  }
}
