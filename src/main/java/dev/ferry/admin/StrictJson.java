package dev.ferry.admin;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads an admin request body as standard JSON only: no comments, no key given twice in one
 * object, nesting at most {@value #MAX_DEPTH} deep. It has a parser factory of its own, so the
 * lenient one Vert.x uses for everything else stays as it is. Faults become a 400 with a short
 * reason and the line and column where the parser stopped.
 */
final class StrictJson {

  static final int MAX_DEPTH = 32;

  private static final JsonFactory FACTORY = JsonFactory.builder()
      .disable(JsonReadFeature.ALLOW_JAVA_COMMENTS)
      .disable(JsonReadFeature.ALLOW_YAML_COMMENTS)
      .streamReadConstraints(StreamReadConstraints.builder()
          .maxNumberLength((int) AdminVerticle.BODY_LIMIT)
          .maxNameLength((int) AdminVerticle.BODY_LIMIT)
          .build())
      .build();
  private static final Pattern UNEXPECTED_CHARACTER =
      Pattern.compile("^Unexpected character \\('(.)' \\(code \\d+\\)\\)");
  private static final Pattern UNRECOGNIZED_TOKEN = Pattern.compile("^Unrecognized token '(.*?)'");

  private StrictJson() {
  }

  /** The body as an object; anything else is a 400. */
  static JsonObject object(String body) {
    try (JsonParser parser = FACTORY.createParser(body)) {
      JsonToken first = parser.nextToken();
      if (first != JsonToken.START_OBJECT) {
        throw bad("the body must be a JSON object with upstream and backend",
            parser.currentTokenLocation());
      }
      JsonObject json = readObject(parser, "", 1);
      if (parser.nextToken() != null) {
        throw bad("the body holds more than one JSON value", parser.currentTokenLocation());
      }
      return json;
    } catch (JsonProcessingException e) {
      throw bad("the body is not valid JSON: " + reason(body, e), e.getLocation());
    } catch (IOException e) {
      throw new ApiError(400, "the body cannot be read: " + e.getMessage());
    }
  }

  private static JsonObject readObject(JsonParser parser, String path, int depth)
      throws IOException {
    JsonObject json = new JsonObject();
    for (String key = parser.nextFieldName(); key != null; key = parser.nextFieldName()) {
      String field = path.isEmpty() ? key : path + "." + key;
      if (json.containsKey(key)) {
        throw bad("the key " + field + " is given twice", parser.currentTokenLocation());
      }
      parser.nextToken();
      json.put(key, readValue(parser, field, depth));
    }
    return json;
  }

  private static Object readValue(JsonParser parser, String path, int depth) throws IOException {
    JsonToken token = parser.currentToken();
    if ((token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY)
        && depth >= MAX_DEPTH) {
      throw bad("the body nests deeper than " + MAX_DEPTH + " levels",
          parser.currentTokenLocation());
    }
    return switch (token) {
      case START_OBJECT -> readObject(parser, path, depth + 1);
      case START_ARRAY -> readArray(parser, path, depth + 1);
      case VALUE_STRING -> parser.getText();
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> parser.getNumberValue();
      case VALUE_TRUE -> Boolean.TRUE;
      case VALUE_FALSE -> Boolean.FALSE;
      case VALUE_NULL -> null;
      default -> throw bad("the body holds an unexpected " + token,
          parser.currentTokenLocation());
    };
  }

  private static JsonArray readArray(JsonParser parser, String path, int depth)
      throws IOException {
    JsonArray array = new JsonArray();
    for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
      array.add(readValue(parser, path + "[" + array.size() + "]", depth));
    }
    return array;
  }

  /** What went wrong, in words of JSON rather than of the parser library. */
  private static String reason(String body, JsonProcessingException e) {
    if (e instanceof JsonEOFException) {
      return "the JSON ends before it is complete";
    }
    if (e instanceof StreamConstraintsException) {
      return "the JSON holds a value too large to read";
    }
    JsonLocation at = e.getLocation();
    long offset = at == null ? -1 : at.getCharOffset();
    if (offset >= 0 && offset < body.length() && "/#".indexOf(body.charAt((int) offset)) >= 0) {
      return "comments are not allowed in JSON";
    }
    String message = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
    Matcher character = UNEXPECTED_CHARACTER.matcher(message);
    if (character.find()) {
      return "unexpected character '" + character.group(1) + "'";
    }
    Matcher token = UNRECOGNIZED_TOKEN.matcher(message);
    if (token.find()) {
      return "unexpected text '" + abbreviate(token.group(1)) + "'";
    }
    if (message.startsWith("Invalid numeric value") || message.startsWith("Non-standard token")
        || message.contains("in numeric value")) {
      return "a number is not written as JSON writes numbers";
    }
    if (message.startsWith("Illegal unquoted character")) {
      return "a control character in a string is not escaped";
    }
    if (message.startsWith("Illegal character")) {
      return "a control character stands between the values";
    }
    if (message.startsWith("Unrecognized character escape")) {
      return "a string holds an escape JSON does not know";
    }
    if (message.startsWith("Unexpected close marker")) {
      return "a closing bracket does not match the opening one";
    }
    return "malformed JSON";
  }

  private static String abbreviate(String text) {
    return text.length() <= 20 ? text : text.substring(0, 20) + "...";
  }

  private static ApiError bad(String message, JsonLocation at) {
    String where = at == null || at.getLineNr() < 1 ? ""
        : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
    return new ApiError(400, message + where);
  }
}
