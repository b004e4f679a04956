package dev.bonsai.engine.train;

import java.io.IOException;
import java.io.Serializable;
import java.util.Optional;

/**
 * Where a trainer keeps its state between epochs, so that training interrupted by a crash resumes
 * from the last completed epoch instead of the beginning. The trainer writes after every epoch
 * and reads once when it starts.
 */
public interface Checkpoints {

    /** The last saved state, if there is one. */
    Optional<Serializable> load() throws IOException;

    void save(Serializable state) throws IOException;

    /** No checkpoints: training always starts from the beginning. */
    Checkpoints NONE = new Checkpoints() {
        @Override
        public Optional<Serializable> load() {
            return Optional.empty();
        }

        @Override
        public void save(Serializable state) {
        }
    };
}
