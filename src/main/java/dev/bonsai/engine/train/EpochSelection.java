package dev.bonsai.engine.train;

import java.io.Serializable;

/**
 * Which epoch to keep and when to stop: the best validation macro-F1 wins (ties: the lower
 * validation loss), and training stops after {@code patience} epochs without a new best. Part of
 * the trainers' checkpointed state.
 */
final class EpochSelection implements Serializable {

    private static final long serialVersionUID = 1L;

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
}
