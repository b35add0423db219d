package dev.ferry.config;

/** A configuration that Ferry cannot run with; the message names the key and the fault. */
public class ConfigException extends RuntimeException {

  public ConfigException(String message) {
    super(message);
  }
}
