package dev.bonsai.dataset;

import java.io.IOException;

/**
 * Streams a dataset file as rows. Problems go to the {@link Findings} given at construction: a row
 * with a problem is reported and skipped, a problem that makes the rest unreadable ends the stream.
 * Memory is bounded by the longest accepted field, whatever the file's size.
 */
interface RowReader extends AutoCloseable {

    /** One row as read: {@code split} is null unless a split column was named. */
    record RawRow(int line, String text, String label, String split, boolean textTooLong) {
    }

    /**
     * Which fields to read: {@code label} null reads no label (rows then have none); {@code labelSetting}
     * is what the uploader calls the label's column ("labelColumn"; a batch's "idColumn"), for problems.
     */
    record Columns(String text, String label, String split, String labelSetting) {

        Columns(String text, String label, String split) {
            this(text, label, split, "labelColumn");
        }
    }

    /** The next row, or null at the end of the input (or after a problem that ends reading). */
    RawRow next() throws IOException;

    @Override
    void close() throws IOException;

    static RowReader open(DatasetFormat format, CharSource source, Columns columns, int maxTextLength, Findings findings)
            throws IOException {
        return switch (format) {
            case CSV -> new DelimitedRowReader(source, ',', columns, maxTextLength, findings);
            case TSV -> new DelimitedRowReader(source, '\t', columns, maxTextLength, findings);
            case JSONL -> new JsonLinesRowReader(source, columns, maxTextLength, findings);
        };
    }
}
