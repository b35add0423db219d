package dev.ferry.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.TcpIpConfig;
import com.hazelcast.config.XmlConfigBuilder;
import dev.ferry.config.ConfigException;
import dev.ferry.config.FerryConfig;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.xml.sax.ErrorHandler;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

/**
 * The Hazelcast configuration of a node: the {@code clusterConfig} file when it exists, else
 * Vert.x's defaults, then Ferry's {@code cluster*} keys on top.
 */
public final class ClusterSetup {

  /** How many ports after {@code clusterPort} a member given without a port is tried on. */
  static final int PORT_RANGE = 10;

  private ClusterSetup() {
  }

  public static Config hazelcastConfig(FerryConfig ferry) {
    Config hz = base(ferry.clusterConfig());
    hz.setClusterName(ferry.clusterName());
    hz.setProperty("hazelcast.logging.type", "jdk");
    hz.setProperty("hazelcast.wait.seconds.before.join", "0");
    hz.setProperty("hazelcast.phone.home.enabled", "false");
    hz.setProperty("hazelcast.shutdownhook.enabled", "false");
    // A member that stops answering is dropped after 10 s rather than Hazelcast's 60 s, so a
    // killed node holds up confirmations and partition ownership only briefly.
    hz.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    hz.setProperty("hazelcast.max.no.heartbeat.seconds", "10");

    NetworkConfig network = hz.getNetworkConfig();
    network.setPort(ferry.clusterPort()).setPortAutoIncrement(true).setPortCount(PORT_RANGE * 10);
    if (isLoopback(ferry.advertiseIP())) {
      hz.setProperty("hazelcast.socket.bind.any", "false");
      network.getInterfaces().setEnabled(true).addInterface(ferry.advertiseIP());
    } else {
      network.setPublicAddress(ferry.advertiseIP());
    }

    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    TcpIpConfig tcp = join.getTcpIpConfig().setEnabled(true);
    tcp.getMembers().clear();
    for (String member : ferry.clusterMembers()) {
      withPorts(member, ferry.clusterPort()).forEach(tcp::addMember);
    }

    for (String map : new String[] {"ferry.upstreams", "ferry.sessions", "ferry.meta",
        "ferry.claims", "ferry.members"}) {
      MapConfig mapConfig = hz.getMapConfig(map);
      mapConfig.setBackupCount(Math.max(1, mapConfig.getBackupCount()));
    }
    return hz;
  }

  private static Config base(String file) {
    Path path = Path.of(file);
    if (file.isEmpty() || !Files.isRegularFile(path)) {
      return ConfigUtil.loadConfig();
    }
    try {
      byte[] xml = Files.readAllBytes(path);
      requireWellFormed(xml);
      return new XmlConfigBuilder(new ByteArrayInputStream(xml)).build();
    } catch (SAXParseException e) {
      throw new ConfigException("clusterConfig: " + file + " line " + e.getLineNumber() + ": "
          + e.getMessage());
    } catch (IOException | SAXException | ParserConfigurationException | RuntimeException e) {
      throw new ConfigException("clusterConfig: cannot read " + file + ": " + e.getMessage());
    }
  }

  /**
   * Hazelcast's parser prints malformed XML to stderr and logs it before failing; checking it
   * quietly first lets the launcher report it in one line.
   */
  private static void requireWellFormed(byte[] xml)
      throws IOException, SAXException, ParserConfigurationException {
    DocumentBuilder parser = DocumentBuilderFactory.newInstance().newDocumentBuilder();
    parser.setErrorHandler(new ErrorHandler() {
      @Override
      public void warning(SAXParseException e) {
      }

      @Override
      public void error(SAXParseException e) throws SAXParseException {
        throw e;
      }

      @Override
      public void fatalError(SAXParseException e) throws SAXParseException {
        throw e;
      }
    });
    parser.parse(new ByteArrayInputStream(xml));
  }

  /** {@code host} is tried on the first ports from {@code clusterPort}; {@code host:port} alone. */
  static List<String> withPorts(String member, int clusterPort) {
    boolean hasPort = member.lastIndexOf(':') > member.lastIndexOf(']')
        && (member.startsWith("[") || member.indexOf(':') == member.lastIndexOf(':'));
    if (hasPort) {
      return List.of(member);
    }
    String host = member.contains(":") && !member.startsWith("[") ? "[" + member + "]" : member;
    List<String> addresses = new ArrayList<>();
    for (int port = clusterPort; port < clusterPort + PORT_RANGE && port <= 65535; port++) {
      addresses.add(host + ":" + port);
    }
    return addresses;
  }

  private static boolean isLoopback(String ip) {
    try {
      return InetAddress.getByName(ip).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
