package dev.bonsai.dataset;

import java.io.IOException;

/**
 * Streams a dataset file as rows. Problems go to the {@link Findings} given at construction: a row
 * with a problem is reported and skipped, a problem that makes the rest unreadable ends the stream.
 * Memory is bounded by the longest accepted field, whatever the file's size.
 */
interface RowReader extends AutoCloseable {

    /**
     * One row as read: {@code split} is null unless a split column was named; {@code negative} is null
     * unless a negative column was named and the row has one. {@code textTooLong} is true when the text,
     * the label or the negative was longer than the limit (a pair's three fields are all texts).
     */
    record RawRow(int line, String text, String label, String split, String negative, boolean textTooLong) {

        RawRow(int line, String text, String label, String split, boolean textTooLong) {
            this(line, text, label, split, null, textTooLong);
        }
    }

    /**
     * Which fields to read: {@code label} null reads no label (rows then have none); {@code labelSetting}
     * and {@code textSetting} are what the uploader calls those columns ("labelColumn"; a batch's
     * "idColumn"; a pair dataset's "positiveColumn"), for problems. In a pair dataset ({@code pairs})
     * the label is the positive text, limited and cut like the text, and {@code negative} names the
     * optional column of hard negatives.
     */
    record Columns(String text, String label, String split, String labelSetting, String textSetting, String negative,
            boolean negativeRequired, boolean pairs) {

        Columns(String text, String label, String split, String labelSetting) {
            this(text, label, split, labelSetting, "textColumn", null, false, false);
        }

        Columns(String text, String label, String split) {
            this(text, label, split, "labelColumn");
        }

        /**
         * The columns of a pair dataset: anchor and positive, and the negative when {@code negative} is
         * named ({@code negativeRequired}: a file without it is refused; otherwise it may be absent).
         */
        static Columns pairs(String anchor, String positive, String negative, boolean negativeRequired, String split) {
            return new Columns(anchor, positive, split, "positiveColumn", "anchorColumn", negative, negativeRequired, true);
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
