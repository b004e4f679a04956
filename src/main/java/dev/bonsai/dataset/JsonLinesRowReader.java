package dev.bonsai.dataset;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * JSON Lines rows: one JSON object per line. Labels may be strings, numbers or booleans; texts must
 * be strings. Lines are read with a length bound so a single huge line cannot exhaust memory.
 */
final class JsonLinesRowReader implements RowReader {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final CharSource source;
    private final Columns columns;
    private final int maxLineLength;
    private final int maxTextLength;
    private final Findings findings;
    private final StringBuilder buffer = new StringBuilder();
    private boolean finished;
    private boolean sawAnyLine;

    JsonLinesRowReader(CharSource source, Columns columns, int maxTextLength, Findings findings) {
        this.source = source;
        this.columns = columns;
        this.maxTextLength = maxTextLength;
        // JSON escapes may take six characters per text character; leave room for the other fields.
        this.maxLineLength = maxTextLength * 6 + 65_536;
        this.findings = findings;
    }

    @Override
    public RawRow next() throws IOException {
        while (!finished) {
            int line = source.line();
            boolean tooLong = readLine();
            if (buffer.length() == 0 && !tooLong) {
                if (finished) {
                    break;
                }
                continue;
            }
            sawAnyLine = true;
            if (tooLong) {
                findings.error("text_too_long", "Some texts are longer than " + maxTextLength + " characters.", line,
                        "line " + line + ": over " + maxLineLength + " characters");
                continue;
            }
            String content = buffer.toString();
            if (content.isBlank()) {
                continue;
            }
            RawRow row = parse(content, line);
            if (row != null) {
                return row;
            }
        }
        if (!sawAnyLine) {
            sawAnyLine = true;
            findings.error("empty_file", "The file is empty: expected one JSON object per line.", 1, null);
        }
        return null;
    }

    private RawRow parse(String content, int line) {
        JsonNode node;
        try {
            node = JSON.readTree(content);
        } catch (JsonProcessingException e) {
            findings.error("malformed_json", "Some lines are not valid JSON.", line,
                    "line " + line + ": " + e.getOriginalMessage());
            return null;
        }
        if (node == null || !node.isObject()) {
            String example = "{\"" + columns.text() + "\": \"…\"" + (columns.label() == null ? "" : ", \"" + columns.label()
                    + "\": \"…\"") + "}";
            findings.error("not_an_object", "Every line must be a JSON object such as " + example + ".", line,
                    "line " + line + ": " + Findings.shorten(content));
            return null;
        }
        JsonNode text = node.get(columns.text());
        JsonNode label = columns.label() == null ? null : node.get(columns.label());
        if (text == null || text.isNull() || columns.label() != null && (label == null || label.isNull())) {
            String field = text == null || text.isNull() ? columns.text() : columns.label();
            findings.error("missing_field", "Some lines have no value for a required field.", line,
                    "line " + line + ": no \"" + field + "\"");
            return null;
        }
        if (!text.isTextual()) {
            findings.error("wrong_type", "Some fields have the wrong type: texts must be strings, labels strings, numbers or booleans.",
                    line, "line " + line + ": \"" + columns.text() + "\" is " + describe(text));
            return null;
        }
        if (label != null && !(label.isTextual() || label.isNumber() || label.isBoolean())) {
            findings.error("wrong_type", "Some fields have the wrong type: texts must be strings, labels strings, numbers or booleans.",
                    line, "line " + line + ": \"" + columns.label() + "\" is " + describe(label));
            return null;
        }
        String split = null;
        if (columns.split() != null) {
            JsonNode splitNode = node.get(columns.split());
            if (splitNode == null || !splitNode.isTextual()) {
                findings.error("invalid_split", "Split values must be train, validation or test.", line,
                        "line " + line + ": \"" + columns.split() + "\" is " + (splitNode == null ? "missing" : describe(splitNode)));
                return null;
            }
            split = splitNode.textValue();
        }
        String textValue = text.textValue();
        boolean tooLong = textValue.length() > maxTextLength;
        String negative = null;
        if (columns.pairs()) {
            // A pair's positive and negative are texts: strings, limited like the anchor.
            JsonNode negativeNode = columns.negative() == null ? null : node.get(columns.negative());
            if (!label.isTextual() || negativeNode != null && !negativeNode.isNull() && !negativeNode.isTextual()) {
                String field = !label.isTextual() ? columns.label() : columns.negative();
                findings.error("wrong_type", "Some fields have the wrong type: anchors, positives and negatives must be strings.",
                        line, "line " + line + ": \"" + field + "\" is " + describe(!label.isTextual() ? label : negativeNode));
                return null;
            }
            if ((negativeNode == null || negativeNode.isNull()) && columns.negativeRequired()) {
                findings.error("missing_field", "Some lines have no value for a required field.", line,
                        "line " + line + ": no \"" + columns.negative() + "\"");
                return null;
            }
            negative = negativeNode == null || negativeNode.isNull() || negativeNode.textValue().isEmpty() ? null
                    : negativeNode.textValue();
            tooLong |= label.textValue().length() > maxTextLength || negative != null && negative.length() > maxTextLength;
        }
        return new RawRow(line, tooLong ? textValue.substring(0, Math.min(textValue.length(), maxTextLength + 1)) : textValue,
                label == null ? null : label.asText(), split, negative, tooLong);
    }

    /** Reads one line into the buffer; true when it was longer than the bound (and was cut). */
    private boolean readLine() throws IOException {
        buffer.setLength(0);
        boolean tooLong = false;
        while (true) {
            int c = source.read();
            if (c == CharSource.EOF) {
                finished = true;
                return tooLong;
            }
            if (c == '\n') {
                return tooLong;
            }
            if (buffer.length() < maxLineLength) {
                buffer.append((char) c);
            } else {
                tooLong = true;
            }
        }
    }

    private static String describe(JsonNode node) {
        if (node.isNumber()) {
            return "a number";
        }
        if (node.isBoolean()) {
            return "a boolean";
        }
        if (node.isArray()) {
            return "an array";
        }
        if (node.isObject()) {
            return "an object";
        }
        if (node.isNull()) {
            return "null";
        }
        return "a string";
    }

    @Override
    public void close() throws IOException {
        source.close();
    }
}
