package dev.bonsai.engine.train;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which epoch to keep and when to stop: the best validation score wins (macro-F1 for a classifier,
 * MRR@10 for an embedding model; ties: the lower validation loss), and training stops after
 * {@code patience} epochs without a new best. Part of the trainers' checkpointed state.
 */
final class EpochSelection {

    private double bestF1 = -1;
    private double bestLoss = Double.MAX_VALUE;
    private int bestEpoch;
    private int sinceBest;
    private boolean stopped;

    /** Records an epoch's validation figures; true when it is the new best. */
    boolean record(int epoch, double macroF1, double loss, int patience) {
        if (macroF1 > bestF1 || (macroF1 == bestF1 && loss < bestLoss)) {
            bestF1 = macroF1;
            bestLoss = loss;
            bestEpoch = epoch;
            sinceBest = 0;
            return true;
        }
        if (++sinceBest >= patience) {
            stopped = true;
        }
        return false;
    }

    int bestEpoch() {
        return bestEpoch;
    }

    boolean stopped() {
        return stopped;
    }

    /** For a checkpoint's figures. */
    Map<String, Object> figures() {
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("bestF1", bestF1);
        figures.put("bestLoss", bestLoss);
        figures.put("bestEpoch", bestEpoch);
        figures.put("sinceBest", sinceBest);
        figures.put("stopped", stopped);
        return figures;
    }

    static EpochSelection of(JsonNode figures) {
        EpochSelection selection = new EpochSelection();
        selection.bestF1 = figures.path("bestF1").asDouble();
        selection.bestLoss = figures.path("bestLoss").asDouble();
        selection.bestEpoch = figures.path("bestEpoch").asInt();
        selection.sinceBest = figures.path("sinceBest").asInt();
        selection.stopped = figures.path("stopped").asBoolean();
        return selection;
    }
}
