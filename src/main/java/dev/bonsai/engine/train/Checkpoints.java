package dev.bonsai.engine.train;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;

/**
 * Where a trainer keeps its state between epochs, so that training interrupted by a crash resumes
 * from the last completed epoch instead of the beginning. The trainer writes after every epoch
 * ({@link CheckpointFormat}) and reads once when it starts.
 */
public interface Checkpoints {

    /** Writes one checkpoint to the stream it is given. */
    @FunctionalInterface
    interface Writer {
        void writeTo(OutputStream out) throws IOException;
    }

    /** The last saved state, if there is one; the caller closes it. */
    Optional<InputStream> open() throws IOException;

    void save(Writer writer) throws IOException;

    /**
     * Whether the state should be saved now, in the middle of an epoch (the process is about to
     * stop): a trainer that can asks before each step, saves where it is, and then meets its
     * cancellation check. Between epochs it saves anyway.
     */
    default boolean requested() {
        return false;
    }

    /** The saved state could not be read ({@code reason} says why): training starts from the beginning. */
    default void unreadable(String reason) {
    }

    /** No checkpoints: training always starts from the beginning. */
    Checkpoints NONE = new Checkpoints() {
        @Override
        public Optional<InputStream> open() {
            return Optional.empty();
        }

        @Override
        public void save(Writer writer) {
        }
    };
}
