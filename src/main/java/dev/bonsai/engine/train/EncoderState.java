package dev.bonsai.engine.train;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything the encoder trainer needs to go on, as saved in {@link Checkpoints}: after a completed
 * epoch, or in the middle of one ({@link #nextBatchStart} above 0), when the order of the epoch
 * under way, the loss summed so far and the steps taken let it go on with the next batch.
 */
final class EncoderState {

    /** Names the trainer in its checkpoints, which the other trainer refuses. */
    static final String TRAINER = "encoder";

    int epochsDone;
    long step;
    Shuffle shuffle;
    int[] order;
    LinkedHashMap<String, float[]> parameters;
    HashMap<String, float[][]> moments;
    LinkedHashMap<String, float[]> best;
    EpochSelection selection = new EpochSelection();
    ArrayList<HeadTrainer.Epoch> epochs = new ArrayList<>();
    long trainingNanos;
    long samples;
    /** The first training row of the next batch of epoch {@code epochsDone + 1}; 0 between epochs. */
    int nextBatchStart;
    double partialLossSum;
    double partialWeightSum;

    void write(OutputStream out) throws IOException {
        Map<String, Object> figures = TrainerCheckpoints.progress(epochsDone, step, shuffle, order, selection, epochs);
        figures.put("trainingNanos", trainingNanos);
        figures.put("samples", samples);
        figures.put("nextBatchStart", nextBatchStart);
        figures.put("partialLossSum", partialLossSum);
        figures.put("partialWeightSum", partialWeightSum);
        CheckpointFormat.write(out, TRAINER, figures, TrainerCheckpoints.floats(
                new TrainerCheckpoints.Weights(parameters, moments, best)), Map.of());
    }

    static EncoderState read(CheckpointFormat.Contents contents) throws CheckpointFormat.Unreadable {
        var figures = contents.figures();
        EncoderState state = new EncoderState();
        state.epochsDone = figures.path("epochsDone").asInt();
        state.step = figures.path("step").asLong();
        state.shuffle = Shuffle.resumed(figures.path("shuffle").asLong());
        state.order = CheckpointFormat.convert(figures.path("order"), int[].class);
        state.selection = EpochSelection.of(figures.path("selection"));
        state.epochs = new ArrayList<>(List.of(CheckpointFormat.convert(figures.path("epochs"), HeadTrainer.Epoch[].class)));
        state.trainingNanos = figures.path("trainingNanos").asLong();
        state.samples = figures.path("samples").asLong();
        // Absent from checkpoints written between epochs by earlier versions: 0 is "between epochs".
        state.nextBatchStart = figures.path("nextBatchStart").asInt(0);
        state.partialLossSum = figures.path("partialLossSum").asDouble(0);
        state.partialWeightSum = figures.path("partialWeightSum").asDouble(0);
        TrainerCheckpoints.Weights weights = TrainerCheckpoints.weights(contents);
        state.parameters = weights.parameters();
        state.moments = weights.moments();
        state.best = weights.best();
        return state;
    }
}
