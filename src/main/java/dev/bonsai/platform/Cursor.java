package dev.bonsai.platform;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * Keyset paging over a monotonically increasing sequence column, newest first. Cursors are opaque
 * to clients; a tampered cursor is a 400, not a 500.
 */
public final class Cursor {

    public static final int DEFAULT_LIMIT = 20;
    public static final int MAX_LIMIT = 100;

    private Cursor() {
    }

    public static String encode(long sequence) {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString(("s:" + sequence).getBytes(StandardCharsets.US_ASCII));
    }

    /** The sequence to continue below, or {@link Long#MAX_VALUE} for the first page. */
    public static long decode(String cursor) {
        if (cursor == null || cursor.isBlank()) {
            return Long.MAX_VALUE;
        }
        try {
            String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.US_ASCII);
            if (!text.startsWith("s:")) {
                throw new IllegalArgumentException();
            }
            return Long.parseLong(text.substring(2));
        } catch (IllegalArgumentException e) {
            throw ProblemException.invalidField("/after", "The cursor is not one this API returned.");
        }
    }

    public static int limit(Integer requested) {
        if (requested == null) {
            return DEFAULT_LIMIT;
        }
        if (requested < 1 || requested > MAX_LIMIT) {
            throw ProblemException.invalidField("/limit", "limit must be between 1 and " + MAX_LIMIT + ".");
        }
        return requested;
    }

    /**
     * Builds a page from up to {@code limit + 1} rows fetched newest first: the extra row only tells
     * that there is more.
     */
    public static <E, T> Page<T> page(List<E> rows, int limit, ToLongFunction<E> sequence, Function<E, T> view) {
        boolean hasMore = rows.size() > limit;
        List<E> shown = hasMore ? rows.subList(0, limit) : rows;
        String next = hasMore ? encode(sequence.applyAsLong(shown.get(shown.size() - 1))) : null;
        return new Page<>(shown.stream().map(view).toList(), hasMore, next);
    }
}
