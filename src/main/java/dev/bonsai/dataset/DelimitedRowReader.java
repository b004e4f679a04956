package dev.bonsai.dataset;

import java.io.IOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * CSV (RFC 4180) and TSV rows: a header line names the columns; quoted fields may hold the
 * delimiter, doubled quotes and line breaks. Fields longer than the text limit are cut while
 * reading, so one huge field cannot exhaust memory.
 */
final class DelimitedRowReader implements RowReader {

    private static final int NO_CHAR = -2;

    private final CharSource source;
    private final char delimiter;
    private final int maxFieldLength;
    private final Findings findings;
    private int textIndex = -1;
    private int labelIndex = -1;
    private int splitIndex = -1;
    private int negativeIndex = -1;
    private boolean pairs;
    private int headerSize;
    private boolean finished;
    private int pushedBack = NO_CHAR;

    /** One physical record. */
    private record Record(int line, List<String> fields, BitSet oversized, String malformation) {
    }

    DelimitedRowReader(CharSource source, char delimiter, Columns columns, int maxTextLength, Findings findings)
            throws IOException {
        this.source = source;
        this.delimiter = delimiter;
        this.maxFieldLength = maxTextLength + 1;
        this.findings = findings;
        readHeader(columns);
    }

    private void readHeader(Columns columns) throws IOException {
        Record header = readRecord();
        while (header != null && isBlank(header)) {
            header = readRecord();
        }
        if (header == null) {
            if (!finished) {
                findings.error("empty_file", "The file is empty: expected a header line naming the columns.", 1, null);
            }
            finished = true;
            return;
        }
        List<String> names = header.fields().stream().map(String::strip).toList();
        headerSize = names.size();
        textIndex = names.indexOf(columns.text());
        labelIndex = columns.label() == null ? -1 : names.indexOf(columns.label());
        splitIndex = columns.split() == null ? -1 : names.indexOf(columns.split());
        negativeIndex = columns.negative() == null ? -1 : names.indexOf(columns.negative());
        pairs = columns.pairs();
        List<String> missing = new ArrayList<>();
        if (textIndex < 0) {
            missing.add(columns.text());
        }
        if (columns.label() != null && labelIndex < 0) {
            missing.add(columns.label());
        }
        if (columns.split() != null && splitIndex < 0) {
            missing.add(columns.split());
        }
        if (columns.negativeRequired() && negativeIndex < 0) {
            missing.add(columns.negative());
        }
        if (!missing.isEmpty()) {
            findings.error("missing_column", "The header has no column named " + String.join(" or ", quoted(missing))
                    + "; it has " + String.join(", ", quoted(names)) + ". Name the columns with " + columns.textSetting()
                    + " and " + columns.labelSetting() + ".",
                    header.line(), String.join(String.valueOf(delimiter), names));
            finished = true;
        }
    }

    @Override
    public RawRow next() throws IOException {
        while (!finished) {
            Record record = readRecord();
            if (record == null) {
                finished = true;
                return null;
            }
            if (isBlank(record)) {
                continue;
            }
            if (record.malformation() != null) {
                findings.error("malformed_csv", "Some rows are not well-formed " + formatName() + ".", record.line(),
                        "line " + record.line() + ": " + record.malformation());
                continue;
            }
            if (record.fields().size() != headerSize) {
                findings.error("wrong_field_count", "Some rows do not have as many fields as the header.", record.line(),
                        "line " + record.line() + ": " + record.fields().size() + " fields, the header has " + headerSize);
                continue;
            }
            String split = splitIndex < 0 ? null : record.fields().get(splitIndex);
            String label = labelIndex < 0 ? null : record.fields().get(labelIndex);
            String negative = negativeIndex < 0 || record.fields().get(negativeIndex).isEmpty() ? null
                    : record.fields().get(negativeIndex);
            boolean tooLong = record.oversized().get(textIndex) || pairs && (record.oversized().get(labelIndex)
                    || negativeIndex >= 0 && record.oversized().get(negativeIndex));
            return new RawRow(record.line(), record.fields().get(textIndex), label, split, negative, tooLong);
        }
        return null;
    }

    private Record readRecord() throws IOException {
        int c = read();
        if (c == CharSource.EOF) {
            return null;
        }
        int line = source.line() - (c == '\n' ? 1 : 0);
        List<String> fields = new ArrayList<>();
        BitSet oversized = new BitSet();
        StringBuilder field = new StringBuilder();
        boolean inQuotes = false;
        boolean wasQuoted = false;
        boolean afterClosingQuote = false;
        int quoteLine = line;
        String malformation = null;
        while (true) {
            if (inQuotes) {
                if (c == CharSource.EOF) {
                    findings.error("unterminated_quote", "A quoted field is never closed; everything after it is unreadable.",
                            quoteLine, "line " + quoteLine + ": the quote opened here has no closing quote");
                    finished = true;
                    return null;
                }
                if (c == '"') {
                    int next = read();
                    if (next == '"') {
                        append(field, '"', fields.size(), oversized);
                    } else {
                        inQuotes = false;
                        afterClosingQuote = true;
                        pushedBack = next;
                    }
                } else {
                    append(field, (char) c, fields.size(), oversized);
                }
            } else if (c == delimiter || c == '\n' || c == CharSource.EOF) {
                fields.add(field.toString());
                field.setLength(0);
                wasQuoted = false;
                afterClosingQuote = false;
                if (c != delimiter) {
                    return new Record(line, fields, oversized, malformation);
                }
            } else if (c == '"' && field.length() == 0 && !wasQuoted) {
                inQuotes = true;
                wasQuoted = true;
                quoteLine = source.line();
            } else {
                if (afterClosingQuote && malformation == null) {
                    malformation = "text after a closing quote (a quote inside a field must be doubled)";
                } else if (c == '"' && !wasQuoted && delimiter == ',' && malformation == null) {
                    malformation = "a quote inside an unquoted field (quote the field and double the quote)";
                }
                append(field, (char) c, fields.size(), oversized);
            }
            c = read();
        }
    }

    private void append(StringBuilder field, char c, int index, BitSet oversized) {
        if (field.length() < maxFieldLength) {
            field.append(c);
        } else {
            oversized.set(index);
        }
    }

    private int read() throws IOException {
        if (pushedBack != NO_CHAR) {
            int c = pushedBack;
            pushedBack = NO_CHAR;
            return c;
        }
        return source.read();
    }

    private static boolean isBlank(Record record) {
        return record.fields().size() == 1 && record.fields().get(0).isBlank();
    }

    private String formatName() {
        return delimiter == ',' ? "CSV" : "TSV";
    }

    private static List<String> quoted(List<String> names) {
        return names.stream().map(name -> "'" + name + "'").toList();
    }

    @Override
    public void close() throws IOException {
        source.close();
    }
}
