package dev.bonsai.platform;

import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** One page of a list. {@code nextCursor} goes into the {@code after} parameter of the next call. */
public record Page<T>(List<T> data, boolean hasMore, @Schema(nullable = true) String nextCursor) {
}
