package dev.bonsai.dataset;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * A file of texts (CSV, TSV or JSONL), each with an optional id, read with the same strict parser
 * as dataset uploads: streaming, memory bounded by the longest text, whatever the file's size. A
 * row with a problem is skipped and counted in {@link #problems()}; one that makes the rest
 * unreadable ends the rows.
 */
public interface TextRows extends AutoCloseable {

    /**
     * One row: its line in the file (1-based), its text (cut one character past the longest read
     * when {@code tooLong}) and its id ({@code null} without an id column).
     */
    record TextRow(int line, String text, String id, boolean tooLong) {
    }

    /** The next row, or null at the end of the file (or after a problem that ends reading). */
    TextRow next() throws IOException;

    /** The problems found so far, each with its first line, count and a few examples. */
    List<Finding> problems();

    @Override
    void close() throws IOException;

    /**
     * Reads {@code input}'s texts from {@code textColumn}, ids from {@code idColumn} (null: none).
     *
     * @param idSetting what the caller calls the id column's setting, for problems ("idColumn")
     */
    static TextRows open(DatasetFormat format, InputStream input, String textColumn, String idColumn, String idSetting,
            int maxTextLength) throws IOException {
        Findings findings = new Findings();
        RowReader reader = RowReader.open(format, new CharSource(input),
                new RowReader.Columns(textColumn, idColumn, null, idSetting), maxTextLength, findings);
        return new TextRows() {
            @Override
            public TextRow next() throws IOException {
                RowReader.RawRow row = reader.next();
                return row == null ? null : new TextRow(row.line(), row.text(), row.label(), row.textTooLong());
            }

            @Override
            public List<Finding> problems() {
                return findings.list(Finding.Severity.error);
            }

            @Override
            public void close() throws IOException {
                reader.close();
            }
        };
    }
}
