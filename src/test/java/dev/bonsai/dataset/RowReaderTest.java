package dev.bonsai.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The streaming readers on their own: RFC 4180 details, line numbers, bounded fields. */
class RowReaderTest {

    private static final RowReader.Columns COLUMNS = new RowReader.Columns("text", "label", null);

    private static List<RowReader.RawRow> read(DatasetFormat format, String content, Findings findings) throws IOException {
        return read(format, new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8)), findings, 100);
    }

    private static List<RowReader.RawRow> read(DatasetFormat format, InputStream content, Findings findings, int maxText)
            throws IOException {
        List<RowReader.RawRow> rows = new ArrayList<>();
        try (RowReader reader = RowReader.open(format, new CharSource(content), COLUMNS, maxText, findings)) {
            RowReader.RawRow row;
            while ((row = reader.next()) != null) {
                rows.add(row);
            }
        }
        return rows;
    }

    @Test
    void rfc4180QuotingCommasDoubledQuotesAndNewlines() throws IOException {
        Findings findings = new Findings();
        List<RowReader.RawRow> rows = read(DatasetFormat.CSV,
                "\uFEFFlabel,text\r\npos,\"he said \"\"hi\"\", then left, quickly\"\r\nneg,\"two\r\nlines\"\r\nneg,plain\r\n",
                findings);
        assertFalse(findings.hasErrors());
        assertEquals(3, rows.size());
        assertEquals("he said \"hi\", then left, quickly", rows.get(0).text());
        assertEquals("pos", rows.get(0).label());
        assertEquals(2, rows.get(0).line());
        assertEquals("two\nlines", rows.get(1).text());
        assertEquals(3, rows.get(1).line());
        assertEquals(5, rows.get(2).line(), "the quoted newline counts as a line");
    }

    @Test
    void tsvAndBlankLines() throws IOException {
        Findings findings = new Findings();
        List<RowReader.RawRow> rows = read(DatasetFormat.TSV, "text\tlabel\n\nfirst, with comma\ta\n\nsecond\tb\n", findings);
        assertFalse(findings.hasErrors());
        assertEquals(List.of("first, with comma", "second"), rows.stream().map(RowReader.RawRow::text).toList());
        assertEquals(List.of(3, 5), rows.stream().map(RowReader.RawRow::line).toList());
    }

    @Test
    void lastLineWithoutNewline() throws IOException {
        List<RowReader.RawRow> rows = read(DatasetFormat.CSV, "text,label\na,b", new Findings());
        assertEquals(1, rows.size());
        assertEquals("b", rows.get(0).label());
    }

    @Test
    void oversizedFieldIsCutWhileReading() throws IOException {
        Findings findings = new Findings();
        // A 50 MB field is streamed, not held: the reader keeps at most maxText + 1 characters of it.
        InputStream huge = new java.io.SequenceInputStream(java.util.Collections.enumeration(List.of(
                new ByteArrayInputStream("text,label\n\"".getBytes(StandardCharsets.US_ASCII)),
                new RepeatingStream((byte) 'z', 50L << 20),
                new ByteArrayInputStream("\",x\nok,y\n".getBytes(StandardCharsets.US_ASCII)))));
        List<RowReader.RawRow> rows = read(DatasetFormat.CSV, huge, findings, 1000);
        assertEquals(2, rows.size());
        assertTrue(rows.get(0).textTooLong());
        assertEquals(1001, rows.get(0).text().length());
        assertFalse(rows.get(1).textTooLong());
    }

    @Test
    void jsonLinesAcceptsNumberAndBooleanLabels() throws IOException {
        Findings findings = new Findings();
        List<RowReader.RawRow> rows = read(DatasetFormat.JSONL,
                "{\"text\":\"a\",\"label\":1}\r\n{\"text\":\"b\",\"label\":true}\n{\"label\":\"c\",\"text\":\"c\",\"extra\":[1]}", findings);
        assertFalse(findings.hasErrors());
        assertEquals(List.of("1", "true", "c"), rows.stream().map(RowReader.RawRow::label).toList());
        assertEquals(3, rows.get(2).line());
    }

    @Test
    void notUtf8NamesTheLine() {
        byte[] bytes = "text,label\nok,a\nok,b\nbad \u00e9,c\n".getBytes(StandardCharsets.ISO_8859_1);
        CharSource.NotUtf8Exception error = org.junit.jupiter.api.Assertions.assertThrows(CharSource.NotUtf8Exception.class,
                () -> read(DatasetFormat.CSV, new ByteArrayInputStream(bytes), new Findings(), 100));
        assertEquals(4, error.line);
    }

    @Test
    void supplementaryCharactersSurvive() throws IOException {
        List<RowReader.RawRow> rows = read(DatasetFormat.CSV, "text,label\ngreat 👍 film,pos\n", new Findings());
        assertEquals("great 👍 film", rows.get(0).text());
    }

    @Test
    void emptyInputIsReported() throws IOException {
        Findings findings = new Findings();
        assertTrue(read(DatasetFormat.CSV, "", findings).isEmpty());
        assertEquals("empty_file", findings.list(Finding.Severity.error).get(0).code());
        assertEquals(1L, findings.list(Finding.Severity.error).get(0).count());
    }

    /** {@code length} copies of one byte, generated on the fly. */
    private static final class RepeatingStream extends InputStream {
        private final byte value;
        private long remaining;

        RepeatingStream(byte value, long length) {
            this.value = value;
            this.remaining = length;
        }

        @Override
        public int read() {
            if (remaining == 0) {
                return -1;
            }
            remaining--;
            return value;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            if (remaining == 0) {
                return -1;
            }
            int n = (int) Math.min(length, remaining);
            java.util.Arrays.fill(buffer, offset, offset + n, value);
            remaining -= n;
            return n;
        }
    }
}
