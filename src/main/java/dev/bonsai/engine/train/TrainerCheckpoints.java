package dev.bonsai.engine.train;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** How the trainers read their state from {@link Checkpoints} and write it there. */
final class TrainerCheckpoints {

    private TrainerCheckpoints() {
    }

    /** How a trainer's state is made from a checkpoint's contents. */
    @FunctionalInterface
    interface StateReader<S> {
        S read(CheckpointFormat.Contents contents) throws CheckpointFormat.Unreadable;
    }

    /**
     * The state saved by the last completed epoch, or null to start from the beginning: when there is
     * none, or when it cannot be read (then {@link Checkpoints#unreadable} is told why).
     */
    static <S> S load(Checkpoints checkpoints, String trainer, StateReader<S> reader) {
        try (InputStream in = checkpoints.open().orElse(null)) {
            if (in == null) {
                return null;
            }
            return reader.read(CheckpointFormat.read(new BufferedInputStream(in), trainer));
        } catch (CheckpointFormat.Unreadable e) {
            checkpoints.unreadable(e.getMessage());
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the training checkpoint", e);
        }
    }

    static void save(Checkpoints checkpoints, Checkpoints.Writer state) {
        try {
            checkpoints.save(state);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the training checkpoint", e);
        }
    }

    /** The weights an encoder trainer saves: its parameters, AdamW's two moments of each, and the best epoch's weights. */
    record Weights(LinkedHashMap<String, float[]> parameters, HashMap<String, float[][]> moments,
            LinkedHashMap<String, float[]> best) {
    }

    /** The weights as a checkpoint's named arrays. */
    static Map<String, float[]> floats(Weights weights) {
        Map<String, float[]> floats = new LinkedHashMap<>();
        weights.parameters().forEach((name, values) -> floats.put("parameter/" + name, values));
        weights.moments().forEach((name, pair) -> {
            floats.put("m/" + name, pair[0]);
            floats.put("v/" + name, pair[1]);
        });
        if (weights.best() != null) {
            weights.best().forEach((name, values) -> floats.put("best/" + name, values));
        }
        return floats;
    }

    /** The weights a checkpoint holds ({@code best} null when no epoch had ended). */
    static Weights weights(CheckpointFormat.Contents contents) throws CheckpointFormat.Unreadable {
        LinkedHashMap<String, float[]> parameters = new LinkedHashMap<>();
        HashMap<String, float[][]> moments = new HashMap<>();
        LinkedHashMap<String, float[]> best = null;
        for (Map.Entry<String, float[]> entry : contents.floats().entrySet()) {
            String key = entry.getKey();
            if (key.startsWith("parameter/")) {
                String name = key.substring("parameter/".length());
                parameters.put(name, entry.getValue());
                moments.put(name, new float[][] {contents.floats("m/" + name), contents.floats("v/" + name)});
            } else if (key.startsWith("best/")) {
                if (best == null) {
                    best = new LinkedHashMap<>();
                }
                best.put(key.substring("best/".length()), entry.getValue());
            }
        }
        return new Weights(parameters, moments, best);
    }

    /** The figures both trainers' checkpoints begin with: where training stands. */
    static Map<String, Object> progress(int epochsDone, long step, Shuffle shuffle, int[] order, EpochSelection selection,
            List<?> epochs) {
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("epochsDone", epochsDone);
        figures.put("step", step);
        figures.put("shuffle", shuffle.state());
        figures.put("order", order);
        figures.put("selection", selection.figures());
        figures.put("epochs", epochs);
        return figures;
    }
}
