package dev.bonsai.blob;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** At most {@code length} bytes of another stream: one part of a file being uploaded, or one range being read. */
final class SliceInputStream extends FilterInputStream {

    private long left;

    SliceInputStream(InputStream in, long length) {
        super(in);
        this.left = length;
    }

    @Override
    public int read() throws IOException {
        if (left <= 0) {
            return -1;
        }
        int read = super.read();
        if (read >= 0) {
            left--;
        }
        return read;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (left <= 0) {
            return -1;
        }
        int read = super.read(buffer, offset, (int) Math.min(length, left));
        if (read > 0) {
            left -= read;
        }
        return read;
    }

    @Override
    public long skip(long count) throws IOException {
        long skipped = super.skip(Math.min(count, left));
        left -= skipped;
        return skipped;
    }

    @Override
    public int available() throws IOException {
        return (int) Math.min(super.available(), left);
    }

    @Override
    public boolean markSupported() {
        return false;
    }
}
