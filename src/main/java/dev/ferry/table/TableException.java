package dev.ferry.table;

/** A refused change to the table: the HTTP status the admin API answers and why. */
public class TableException extends RuntimeException {

  private final int status;

  public TableException(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  public int status() {
    return status;
  }
}
