package dev.ferry.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free loopback ports for the servers a test starts, never the same one twice in a run. They
 * come from below Linux's ephemeral range (32768 and up), so that the source port of some
 * outgoing connection cannot take a port between the moment it is handed out and its bind.
 */
public final class Ports {

  private static final int FIRST = 20_000;
  private static final int LAST = 32_000;
  private static int next = FIRST + ThreadLocalRandom.current().nextInt(LAST - FIRST);

  private Ports() {
  }

  public static synchronized int free() {
    for (int attempt = 0; attempt < LAST - FIRST; attempt++) {
      int port = next;
      next = next >= LAST ? FIRST : next + 1;
      if (bindable(port)) {
        return port;
      }
    }
    throw new IllegalStateException("no free loopback port between " + FIRST + " and " + LAST);
  }

  private static boolean bindable(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(false);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException taken) {
      return false;
    }
  }
}
