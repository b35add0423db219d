package dev.ferry.http;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A plain socket to the proxy for tests that need exact bytes on the wire: requests are written
 * as given, responses are read with Content-Length, chunked or read-to-close bodies.
 */
final class RawHttp implements AutoCloseable {

  /** One response: its status line, headers by lower-case name, and body text. */
  record Response(String statusLine, int status, Map<String, String> headers, String body) {
  }

  private final Socket socket;
  private final InputStream in;

  RawHttp(int port) {
    try {
      socket = new Socket();
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      socket.setSoTimeout(15_000);
      in = socket.getInputStream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Sends one request on a connection of its own and reads the response. */
  static Response roundTrip(int port, String request) {
    try (RawHttp raw = new RawHttp(port)) {
      raw.send(request);
      return raw.read();
    }
  }

  void send(String text) {
    send(text.getBytes(StandardCharsets.ISO_8859_1));
  }

  void send(byte[] bytes) {
    try {
      socket.getOutputStream().write(bytes);
      socket.getOutputStream().flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  InputStream input() {
    return in;
  }

  /** Reads one response; a body without length or chunking is read until the peer closes. */
  Response read() {
    return read(false);
  }

  /** Reads the response to a HEAD request: its head alone, whatever length it announces. */
  Response readHeadAnswer() {
    return read(true);
  }

  private Response read(boolean head) {
    try {
      String statusLine = line();
      int status = Integer.parseInt(statusLine.split(" ")[1]);
      Map<String, String> headers = new TreeMap<>();
      for (String line = line(); !line.isEmpty(); line = line()) {
        int colon = line.indexOf(':');
        headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
            line.substring(colon + 1).trim());
      }
      byte[] body;
      if (head || status < 200 || status == 204 || status == 304) {
        body = new byte[0];
      } else if (headers.containsKey("content-length")) {
        body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
      } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
        body = chunked();
      } else {
        body = in.readAllBytes();
      }
      return new Response(statusLine, status, headers,
          new String(body, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private byte[] chunked() throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (int size = chunkSize(); size > 0; size = chunkSize()) {
      body.write(in.readNBytes(size));
      line();
    }
    String trailer;
    do {
      trailer = line();
    } while (!trailer.isEmpty());
    return body.toByteArray();
  }

  private int chunkSize() throws IOException {
    String line = line();
    int semicolon = line.indexOf(';');
    return Integer.parseInt(semicolon < 0 ? line : line.substring(0, semicolon), 16);
  }

  private String line() throws IOException {
    StringBuilder line = new StringBuilder();
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("connection closed after '" + line + "'");
      }
      if (b == '\n') {
        int end = line.length();
        return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1)
            : line.toString();
      }
      line.append((char) b);
    }
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
