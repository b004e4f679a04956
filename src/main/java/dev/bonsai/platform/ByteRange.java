package dev.bonsai.platform;

import java.util.List;
import java.util.Map;

/** The one byte range of a {@code Range} header (RFC 9110 §14.1.2) that downloads answer with 206. */
final class ByteRange {

    private ByteRange() {
    }

    /**
     * {@code [first, last]} (inclusive, clamped to the content) for {@code bytes=a-b}, {@code bytes=a-}
     * or {@code bytes=-n}; null when the header is not a single byte range (the whole content is
     * sent); 416 when the range starts past the end.
     */
    static long[] parse(String header, long length) {
        String value = header.trim();
        if (!value.startsWith("bytes=") || value.contains(",")) {
            return null;
        }
        String spec = value.substring("bytes=".length()).trim();
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return null;
        }
        try {
            String start = spec.substring(0, dash).trim();
            String end = spec.substring(dash + 1).trim();
            long first;
            long last;
            if (start.isEmpty()) {
                long suffix = Long.parseLong(end);
                if (suffix <= 0) {
                    throw unsatisfiable(length);
                }
                first = Math.max(0, length - suffix);
                last = length - 1;
            } else {
                first = Long.parseLong(start);
                last = end.isEmpty() ? length - 1 : Math.min(Long.parseLong(end), length - 1);
                if (last < first && !end.isEmpty() && Long.parseLong(end) < first) {
                    return null;
                }
            }
            if (first >= length || length == 0) {
                throw unsatisfiable(length);
            }
            return new long[] {first, last};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static ProblemException unsatisfiable(long length) {
        return new ProblemException(ProblemType.RANGE_NOT_SATISFIABLE, "The content is " + length
                + " bytes; the requested range starts past its end.", List.of(), Map.of(),
                Map.of("Content-Range", "bytes */" + length));
    }
}
