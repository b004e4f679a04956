package dev.bonsai.dataset;

import java.io.IOException;
import java.io.InputStream;

/**
 * Strict UTF-8 characters with line numbers. CRLF, LF and lone CR all end a line; a leading byte
 * order mark is skipped. Bytes that are not UTF-8 raise {@link NotUtf8Exception} naming the exact
 * line. Decodes by hand because the JDK's decoders report errors a buffer late.
 */
final class CharSource implements AutoCloseable {

    static final int EOF = -1;

    /** The input is not UTF-8 at {@code line}. */
    static final class NotUtf8Exception extends IOException {
        final int line;

        NotUtf8Exception(int line) {
            super("not UTF-8 at line " + line);
            this.line = line;
        }
    }

    private final InputStream input;
    private final byte[] buffer = new byte[1 << 16];
    private int position;
    private int limit;
    private int line = 1;
    private boolean pendingCr;
    private boolean started;
    /** The low surrogate still to return after a supplementary character's high one. */
    private int pendingLowSurrogate = -1;

    CharSource(InputStream input) {
        this.input = input;
    }

    /** The line the next character is on. */
    int line() {
        return line;
    }

    /** The next UTF-16 char, every line ending reported as one {@code '\n'}; or {@link #EOF}. */
    int read() throws IOException {
        int c = decode();
        if (!started) {
            started = true;
            if (c == '\uFEFF') {
                c = decode();
            }
        }
        if (pendingCr) {
            pendingCr = false;
            if (c == '\n') {
                c = decode();
            }
        }
        if (c == '\r') {
            pendingCr = true;
            line++;
            return '\n';
        }
        if (c == '\n') {
            line++;
        }
        return c;
    }

    private int decode() throws IOException {
        if (pendingLowSurrogate >= 0) {
            int low = pendingLowSurrogate;
            pendingLowSurrogate = -1;
            return low;
        }
        int b0 = nextByte();
        if (b0 < 0x80) {
            return b0; // ASCII or EOF
        }
        int needed;
        int codePoint;
        int minimum;
        if ((b0 & 0xE0) == 0xC0) {
            needed = 1;
            codePoint = b0 & 0x1F;
            minimum = 0x80;
        } else if ((b0 & 0xF0) == 0xE0) {
            needed = 2;
            codePoint = b0 & 0x0F;
            minimum = 0x800;
        } else if ((b0 & 0xF8) == 0xF0) {
            needed = 3;
            codePoint = b0 & 0x07;
            minimum = 0x10000;
        } else {
            throw new NotUtf8Exception(line);
        }
        for (int i = 0; i < needed; i++) {
            int b = nextByte();
            if (b < 0 || (b & 0xC0) != 0x80) {
                throw new NotUtf8Exception(line);
            }
            codePoint = (codePoint << 6) | (b & 0x3F);
        }
        if (codePoint < minimum || codePoint > 0x10FFFF || (codePoint >= 0xD800 && codePoint <= 0xDFFF)) {
            throw new NotUtf8Exception(line);
        }
        if (codePoint >= 0x10000) {
            pendingLowSurrogate = Character.lowSurrogate(codePoint);
            return Character.highSurrogate(codePoint);
        }
        return codePoint;
    }

    private int nextByte() throws IOException {
        if (position == limit) {
            limit = input.read(buffer, 0, buffer.length);
            position = 0;
            if (limit <= 0) {
                limit = 0;
                return EOF;
            }
        }
        return buffer[position++] & 0xFF;
    }

    @Override
    public void close() throws IOException {
        input.close();
    }
}
