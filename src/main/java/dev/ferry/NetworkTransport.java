package dev.ferry;

import dev.ferry.config.ConfigException;
import io.vertx.core.transport.Transport;
import java.util.List;
import java.util.Locale;
import java.util.logging.Logger;

/**
 * Which of Netty's transports a node runs its sockets on: epoll where the platform has it, the
 * JDK's NIO otherwise, unless the JVM property {@code ferry.transport} names one.
 *
 * <p>Netty's io_uring transport is left out on purpose. It took up to a fifth off the CPU time
 * per request on the HTTP benchmark, but with Netty 4.2.9 and 4.2.18 alike it cut short answers
 * whose backend closed the connection after a body of over about 300 KB, and it left client
 * sockets reset right after sending open, their close never reported.
 */
final class NetworkTransport {

  static final String PROPERTY = "ferry.transport";
  private static final Logger log = Logger.getLogger(NetworkTransport.class.getName());
  private static final List<String> NAMES = List.of("epoll", "nio");

  private NetworkTransport() {
  }

  /** The transport to build Vert.x with; fails when the property asks for one this JVM lacks. */
  static Transport choose() {
    String asked = System.getProperty(PROPERTY, "").trim().toLowerCase(Locale.ROOT);
    if (asked.isEmpty()) {
      for (String name : NAMES) {
        Transport transport = byName(name);
        if (available(transport)) {
          return transport;
        }
        log.info(() -> "The " + name + " transport is not available here (" + cause(transport)
            + "); falling back");
      }
      return Transport.NIO;
    }
    if (!NAMES.contains(asked)) {
      throw new ConfigException(PROPERTY + " is " + asked + "; it must be one of "
          + String.join(", ", NAMES));
    }
    Transport transport = byName(asked);
    if (!available(transport)) {
      throw new ConfigException(PROPERTY + " asks for " + asked
          + ", which this platform does not have: " + cause(transport));
    }
    return transport;
  }

  private static Transport byName(String name) {
    return name.equals("epoll") ? Transport.EPOLL : Transport.NIO;
  }

  private static boolean available(Transport transport) {
    return transport != null && transport.available();
  }

  private static String cause(Transport transport) {
    if (transport == null || transport.unavailabilityCause() == null) {
      return "its library is not on the class path";
    }
    return transport.unavailabilityCause().toString();
  }
}
