package dev.bonsai.engine.train;

import dev.bonsai.engine.evaluate.ClassificationMetrics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Trains a {@link SoftmaxHead} on frozen embeddings: mini-batch Adam on class-weighted
 * cross-entropy with L2 weight decay. Each epoch is evaluated on the validation set; the head kept
 * is the one of the epoch with the best validation macro-F1 (ties: lower validation loss), and
 * training stops after {@code earlyStoppingPatience} epochs without improvement. The same inputs
 * and seed give the same head, bit for bit.
 */
public final class HeadTrainer {

    /** The hyperparameters of one training run; see {@link #resolve} for how "auto" values are chosen. */
    public record Settings(int epochs, int batchSize, double learningRate, long seed, int earlyStoppingPatience,
            double[] classWeights, double weightDecay) {
    }

    /** What one epoch achieved. */
    public record Epoch(int epoch, double trainLoss, double validationLoss, ClassificationMetrics validation) {
    }

    /** Receives each epoch as it ends. */
    public interface Listener {
        void epochEnded(Epoch epoch, int totalEpochs);
    }

    public record Result(SoftmaxHead head, int bestEpoch, List<Epoch> epochs, boolean stoppedEarly) {
    }

    /** Thrown when the cancellation check answered true between two steps. */
    public static final class CancelledException extends RuntimeException {
        public CancelledException() {
            super("training cancelled", null, false, false);
        }
    }

    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.999;
    private static final double ADAM_EPSILON = 1e-8;

    /**
     * Fills in automatic values. Epochs: enough for about 4,000 optimisation steps, between 10 and
     * 200. Batch size 32 (smaller for tiny sets). Learning rate 0.01. Patience 5. Class weights
     * "balanced" (n / (classes · count)) when the largest class is more than 3 times the smallest,
     * otherwise all 1.
     */
    public static Settings resolve(Integer epochs, Integer batchSize, Double learningRate, Long seed,
            Integer patience, double[] classWeights, int[] labels, int classes) {
        int n = labels.length;
        int batch = batchSize != null ? batchSize : Math.max(1, Math.min(32, n / 4));
        int stepsPerEpoch = Math.max(1, (n + batch - 1) / batch);
        int resolvedEpochs = epochs != null ? epochs : Math.max(10, Math.min(200, 4000 / stepsPerEpoch));
        double[] weights = classWeights != null ? classWeights : balancedWeightsIfSkewed(labels, classes);
        return new Settings(resolvedEpochs, batch, learningRate != null ? learningRate : 0.01,
                seed != null ? seed : 42L, patience != null ? patience : 5, weights, 1e-4);
    }

    static double[] balancedWeightsIfSkewed(int[] labels, int classes) {
        int[] counts = new int[classes];
        for (int label : labels) {
            counts[label]++;
        }
        int max = 0;
        int min = Integer.MAX_VALUE;
        for (int count : counts) {
            max = Math.max(max, count);
            min = Math.min(min, count);
        }
        double[] weights = new double[classes];
        for (int c = 0; c < classes; c++) {
            weights[c] = min > 0 && max > 3 * min ? (double) labels.length / (classes * counts[c]) : 1.0;
        }
        return weights;
    }

    public Result train(float[][] x, int[] y, float[][] validationX, int[] validationY, List<String> labels,
            Settings hyperparameters, Listener listener, BooleanSupplier cancelled) {
        return train(x, y, validationX, validationY, labels, hyperparameters, listener, cancelled, Checkpoints.NONE);
    }

    /** Everything needed to go on after a completed epoch, as saved in {@link Checkpoints}. */
    private static final class State {
        static final String TRAINER = "head";
        float[][] weights;
        float[] bias;
        double[][] m;
        double[][] v;
        double[] mBias;
        double[] vBias;
        Shuffle shuffle;
        int[] order;
        ArrayList<Epoch> epochs = new ArrayList<>();
        SoftmaxHead best;
        EpochSelection selection = new EpochSelection();
        long step;
        int epochsDone;

        void write(java.io.OutputStream out) throws java.io.IOException {
            Map<String, Object> figures = TrainerCheckpoints.progress(epochsDone, step, shuffle, order, selection, epochs);
            figures.put("dimensions", weights.length);
            figures.put("classes", bias.length);
            Map<String, float[]> floats = new LinkedHashMap<>();
            floats.put("weights", Matrices.flatten(weights));
            floats.put("bias", bias);
            if (best != null) {
                floats.put("best/weights", Matrices.flatten(best.weights()));
                floats.put("best/bias", best.bias());
            }
            Map<String, double[]> doubles = new LinkedHashMap<>();
            doubles.put("m", flatten(m));
            doubles.put("v", flatten(v));
            doubles.put("mBias", mBias);
            doubles.put("vBias", vBias);
            CheckpointFormat.write(out, TRAINER, figures, floats, doubles);
        }

        static State read(CheckpointFormat.Contents contents) throws CheckpointFormat.Unreadable {
            var figures = contents.figures();
            int dimensions = figures.path("dimensions").asInt();
            State state = new State();
            state.weights = Matrices.unflatten(contents.floats("weights"), dimensions);
            state.bias = contents.floats("bias");
            state.m = unflatten(contents.doubles("m"), dimensions);
            state.v = unflatten(contents.doubles("v"), dimensions);
            state.mBias = contents.doubles("mBias");
            state.vBias = contents.doubles("vBias");
            state.shuffle = Shuffle.resumed(figures.path("shuffle").asLong());
            state.order = CheckpointFormat.convert(figures.path("order"), int[].class);
            state.epochs = new ArrayList<>(List.of(CheckpointFormat.convert(figures.path("epochs"), Epoch[].class)));
            if (contents.floats().containsKey("best/weights")) {
                state.best = new SoftmaxHead(Matrices.unflatten(contents.floats("best/weights"), dimensions),
                        contents.floats("best/bias"));
            }
            state.selection = EpochSelection.of(figures.path("selection"));
            state.step = figures.path("step").asLong();
            state.epochsDone = figures.path("epochsDone").asInt();
            return state;
        }

        private static double[] flatten(double[][] matrix) {
            int columns = matrix.length == 0 ? 0 : matrix[0].length;
            double[] flat = new double[matrix.length * columns];
            for (int row = 0; row < matrix.length; row++) {
                System.arraycopy(matrix[row], 0, flat, row * columns, columns);
            }
            return flat;
        }

        private static double[][] unflatten(double[] flat, int rows) {
            int columns = rows == 0 ? 0 : flat.length / rows;
            double[][] matrix = new double[rows][];
            for (int row = 0; row < rows; row++) {
                matrix[row] = java.util.Arrays.copyOfRange(flat, row * columns, (row + 1) * columns);
            }
            return matrix;
        }
    }

    public Result train(float[][] x, int[] y, float[][] validationX, int[] validationY, List<String> labels,
            Settings hyperparameters, Listener listener, BooleanSupplier cancelled, Checkpoints checkpoints) {
        int n = x.length;
        int dimensions = x[0].length;
        int classes = labels.size();
        State state = TrainerCheckpoints.load(checkpoints, State.TRAINER, State::read);
        if (state == null) {
            state = new State();
            state.weights = new float[dimensions][classes];
            state.bias = new float[classes];
            state.m = new double[dimensions][classes];
            state.v = new double[dimensions][classes];
            state.mBias = new double[classes];
            state.vBias = new double[classes];
            state.shuffle = Shuffle.seeded(hyperparameters.seed());
            state.order = new int[n];
            for (int i = 0; i < n; i++) {
                state.order[i] = i;
            }
        }
        float[][] weights = state.weights;
        float[] bias = state.bias;
        double[][] m = state.m;
        double[][] v = state.v;
        double[] mBias = state.mBias;
        double[] vBias = state.vBias;
        Shuffle shuffle = state.shuffle;
        int[] order = state.order;
        List<Epoch> epochs = state.epochs;
        long step = state.step;
        float[][] gradWeights = new float[dimensions][classes];
        float[] gradBias = new float[classes];
        for (int epoch = state.epochsDone + 1; epoch <= hyperparameters.epochs() && !state.selection.stopped(); epoch++) {
            shuffle.shuffle(order);
            double lossSum = 0;
            double weightSum = 0;
            for (int start = 0; start < n; start += hyperparameters.batchSize()) {
                if (cancelled.getAsBoolean()) {
                    throw new CancelledException();
                }
                int end = Math.min(n, start + hyperparameters.batchSize());
                for (float[] row : gradWeights) {
                    java.util.Arrays.fill(row, 0f);
                }
                java.util.Arrays.fill(gradBias, 0f);
                double batchWeight = 0;
                SoftmaxHead current = new SoftmaxHead(weights, bias);
                for (int k = start; k < end; k++) {
                    int i = order[k];
                    double sampleWeight = hyperparameters.classWeights()[y[i]];
                    float[] probabilities = SoftmaxHead.softmax(current.logits(x[i]));
                    lossSum -= sampleWeight * Math.log(Math.max(probabilities[y[i]], 1e-12));
                    weightSum += sampleWeight;
                    batchWeight += sampleWeight;
                    for (int c = 0; c < classes; c++) {
                        float error = (float) (sampleWeight * (probabilities[c] - (c == y[i] ? 1 : 0)));
                        gradBias[c] += error;
                        for (int d = 0; d < dimensions; d++) {
                            gradWeights[d][c] += error * x[i][d];
                        }
                    }
                }
                step++;
                double correction1 = 1 - Math.pow(BETA1, step);
                double correction2 = 1 - Math.pow(BETA2, step);
                double rate = hyperparameters.learningRate();
                for (int d = 0; d < dimensions; d++) {
                    for (int c = 0; c < classes; c++) {
                        double gradient = gradWeights[d][c] / batchWeight + hyperparameters.weightDecay() * weights[d][c];
                        m[d][c] = BETA1 * m[d][c] + (1 - BETA1) * gradient;
                        v[d][c] = BETA2 * v[d][c] + (1 - BETA2) * gradient * gradient;
                        weights[d][c] -= (float) (rate * (m[d][c] / correction1) / (Math.sqrt(v[d][c] / correction2) + ADAM_EPSILON));
                    }
                }
                for (int c = 0; c < classes; c++) {
                    double gradient = gradBias[c] / batchWeight;
                    mBias[c] = BETA1 * mBias[c] + (1 - BETA1) * gradient;
                    vBias[c] = BETA2 * vBias[c] + (1 - BETA2) * gradient * gradient;
                    bias[c] -= (float) (rate * (mBias[c] / correction1) / (Math.sqrt(vBias[c] / correction2) + ADAM_EPSILON));
                }
            }
            SoftmaxHead snapshot = new SoftmaxHead(copy(weights), bias.clone());
            float[][] validationProbabilities = snapshot.probabilities(validationX);
            double validationLoss = crossEntropy(validationProbabilities, validationY);
            ClassificationMetrics validation = ClassificationMetrics.of(validationY, SoftmaxHead.argmax(validationProbabilities), labels);
            Epoch result = new Epoch(epoch, lossSum / Math.max(weightSum, 1e-12), validationLoss, validation);
            epochs.add(result);
            listener.epochEnded(result, hyperparameters.epochs());
            if (state.selection.record(epoch, validation.macroF1(), validationLoss, hyperparameters.earlyStoppingPatience())) {
                state.best = snapshot;
            }
            state.epochsDone = epoch;
            state.step = step;
            if (checkpoints != Checkpoints.NONE) {
                TrainerCheckpoints.save(checkpoints, state::write);
            }
        }
        return new Result(state.best, state.selection.bestEpoch(), List.copyOf(epochs), state.selection.stopped());
    }

    static double crossEntropy(float[][] probabilities, int[] truth) {
        if (truth.length == 0) {
            return 0;
        }
        double sum = 0;
        for (int i = 0; i < truth.length; i++) {
            sum -= Math.log(Math.max(probabilities[i][truth[i]], 1e-12));
        }
        return sum / truth.length;
    }

    private static float[][] copy(float[][] matrix) {
        float[][] result = new float[matrix.length][];
        for (int i = 0; i < matrix.length; i++) {
            result[i] = matrix[i].clone();
        }
        return result;
    }
}
