package dev.bonsai.platform;

import java.util.List;

/** One page of a list. {@code nextCursor} goes into the {@code after} parameter of the next call. */
public record Page<T>(List<T> data, boolean hasMore, String nextCursor) {
}
