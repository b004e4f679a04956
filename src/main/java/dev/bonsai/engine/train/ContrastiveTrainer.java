package dev.bonsai.engine.train;

import ai.djl.engine.Engine;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.bonsai.engine.BaseModel;
import dev.bonsai.engine.evaluate.RetrievalMetrics;
import dev.bonsai.engine.graph.TransformerWeights;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * Fine-tunes an encoder for semantic search (the {@code embedding} task) with the multiple
 * negatives ranking loss of sentence-transformers: in a batch of (anchor, positive[, negative])
 * pairs every anchor is scored against every positive and negative of the batch, {@code scale ·
 * cos(a, d)}, and the loss is the cross-entropy of finding its own positive. No two pairs of a batch
 * share an anchor or a positive (as its NoDuplicatesDataLoader does), so a batch holds no false
 * negatives. Training is {@link EncoderTrainer}'s otherwise: the same DJL forward pass over the
 * graph's weights with dropout, AdamW with warm-up and decay, gradient clipping, a
 * not-finite check, the top {@code trainableLayers} layers learning. After each epoch the
 * validation queries rank the validation documents, and the epoch with the best MRR@10 is kept
 * (ties: the better nDCG@10), checkpointed after every epoch.
 */
public final class ContrastiveTrainer {

    static {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
    }

    /** Names the trainer in its checkpoints, which the other trainers refuse. */
    static final String TRAINER = "contrastive";

    /** The similarity scale of sentence-transformers' MultipleNegativesRankingLoss (its default, 20). */
    public static final double SCALE = 20.0;

    /** The learning rate embedding jobs train with unless told otherwise: sentence-transformers' default, 2e-5. */
    public static final double LEARNING_RATE = 2e-5;

    /** Training pairs: {@code negatives} may be null, or hold null where a pair has none. */
    public record Pairs(List<String> anchors, List<String> positives, List<String> negatives) {
        public Pairs {
            if (anchors.size() != positives.size() || negatives != null && negatives.size() != anchors.size()) {
                throw new IllegalArgumentException("anchors, positives and negatives differ in number");
            }
        }

        public int size() {
            return anchors.size();
        }
    }

    /** One epoch: its mean training loss and what the validation queries retrieved after it. */
    public record Epoch(int epoch, double trainLoss, RetrievalMetrics validation) {
    }

    public interface Listener {
        void epochEnded(Epoch epoch, int totalEpochs);
    }

    public record Result(byte[] encoderGraph, int bestEpoch, List<Epoch> epochs, double samplesPerSecond) {
    }

    /** Embeds the texts of a retrieval task with the current weights and scores it. */
    static RetrievalMetrics evaluate(NDManager manager, DjlEncoder encoder, HuggingFaceTokenizer tokenizer,
            RetrievalMetrics.Task task, int batchSize) {
        return RetrievalMetrics.of(TrainingTokens.embed(manager, encoder, tokenizer, task.queries(), batchSize),
                TrainingTokens.embed(manager, encoder, tokenizer, task.documents(), batchSize), task.relevant());
    }

    public Result train(BaseModel model, byte[] encoderGraph, Pairs train, RetrievalMetrics.Task validation,
            EncoderTrainer.Settings hyperparameters, Listener listener, EncoderTrainer.StepListener steps,
            BooleanSupplier cancelled, Checkpoints checkpoints) {
        if (train.size() < 2) {
            throw new IllegalArgumentException("contrastive training needs at least 2 pairs");
        }
        TransformerWeights weights = TransformerWeights.read(encoderGraph);
        Engine engine = Engine.getEngine("PyTorch");
        engine.setRandomSeed((int) hyperparameters.seed());
        try (HuggingFaceTokenizer tokenizer = TrainingTokens.tokenizer(model, hyperparameters.maxSequenceLength());
                NDManager manager = engine.newBaseManager();
                Autograd.GradMode notRecording = Autograd.off()) {
            DjlEncoder encoder = new DjlEncoder(manager, weights, model.pooling());
            Map<String, NDArray> trainable = new LinkedHashMap<>();
            encoder.parameters().forEach((role, parameter) -> {
                if (encoder.isInTopLayers(role, hyperparameters.trainableLayers())) {
                    trainable.put(role, parameter);
                }
            });
            int n = train.size();
            State state = TrainerCheckpoints.load(checkpoints, TRAINER, State::read);
            if (state == null) {
                state = new State();
                state.order = new int[n];
                for (int i = 0; i < n; i++) {
                    state.order[i] = i;
                }
                state.shuffle = Shuffle.seeded(hyperparameters.seed());
            } else {
                for (Map.Entry<String, NDArray> entry : trainable.entrySet()) {
                    entry.getValue().set(state.parameters.get(entry.getKey()));
                }
            }
            Map<String, NDArray[]> moments = AdamW.moments(trainable, state.moments);
            state.parameters = null;
            state.moments = null;
            long totalSteps = (long) hyperparameters.epochs() * ((n + hyperparameters.batchSize() - 1) / hyperparameters.batchSize());
            for (int epoch = state.epochsDone + 1; epoch <= hyperparameters.epochs() && !state.selection.stopped(); epoch++) {
                state.shuffle.shuffle(state.order);
                double lossSum = 0;
                int batches = 0;
                for (int[] batch : batches(train, state.order, hyperparameters.batchSize())) {
                    if (cancelled.getAsBoolean()) {
                        throw new HeadTrainer.CancelledException();
                    }
                    long began = System.nanoTime();
                    state.step++;
                    try (NDManager stepManager = manager.newSubManager()) {
                        DjlEncoder.Dropout dropout = DjlEncoder.Dropout.forStep((float) hyperparameters.dropout(),
                                hyperparameters.seed(), state.step);
                        NDArray loss = forwardBackward(stepManager, encoder, tokenizer, dropout, train, batch);
                        float lossValue = loss.getFloat();
                        if (!Float.isFinite(lossValue)) {
                            throw new EncoderTrainer.DivergedException("the loss", epoch, state.step, Autograd.notFinite(trainable));
                        }
                        Map<String, NDArray> gradients = Autograd.gradients(stepManager, trainable);
                        double gradientNorm = Autograd.norm(gradients);
                        if (!Double.isFinite(gradientNorm)) {
                            throw new EncoderTrainer.DivergedException("the gradient", epoch, state.step,
                                    Autograd.notFinite(gradients));
                        }
                        lossSum += lossValue;
                        batches++;
                        AdamW.update(stepManager, trainable, gradients, moments, state.step, hyperparameters,
                                hyperparameters.learningRate() * AdamW.schedule(state.step, totalSteps),
                                Math.min(1.0, EncoderTrainer.MAX_GRADIENT_NORM / gradientNorm));
                        Autograd.zeroGradients(trainable.values());
                    }
                    state.trainingNanos += System.nanoTime() - began;
                    state.samples += batch.length;
                    steps.stepEnded(state.step, totalSteps);
                }
                RetrievalMetrics figures = evaluate(manager, encoder, tokenizer, validation, 32);
                Epoch result = new Epoch(epoch, round(lossSum / Math.max(batches, 1)), figures);
                state.epochs.add(result);
                listener.epochEnded(result, hyperparameters.epochs());
                if (state.selection.record(epoch, figures.mrrAt10(), 1 - figures.ndcgAt10(),
                        hyperparameters.earlyStoppingPatience())) {
                    state.best = EncoderTrainer.snapshot(trainable);
                }
                state.epochsDone = epoch;
                if (checkpoints != Checkpoints.NONE) {
                    state.parameters = EncoderTrainer.snapshot(trainable);
                    state.moments = AdamW.snapshot(moments);
                    TrainerCheckpoints.save(checkpoints, state::write);
                    state.parameters = null;
                    state.moments = null;
                }
            }
            double samplesPerSecond = state.samples / Math.max(state.trainingNanos / 1e9, 1e-9);
            return new Result(weights.withWeights(state.best), state.selection.bestEpoch(), List.copyOf(state.epochs),
                    samplesPerSecond);
        }
    }

    /**
     * The epoch's batches in {@code order}: each takes the next pairs whose anchor and positive it does
     * not hold yet; a pair that would repeat one waits for the next batch, ahead of the pairs after it.
     */
    static List<int[]> batches(Pairs pairs, int[] order, int batchSize) {
        List<int[]> batches = new ArrayList<>();
        Deque<Integer> waiting = new ArrayDeque<>();
        int next = 0;
        while (next < order.length || !waiting.isEmpty()) {
            List<Integer> batch = new ArrayList<>();
            Set<String> texts = new HashSet<>();
            Deque<Integer> stillWaiting = new ArrayDeque<>();
            while (!waiting.isEmpty() && batch.size() < batchSize) {
                int row = waiting.poll();
                if (!take(pairs, row, batch, texts)) {
                    stillWaiting.add(row);
                }
            }
            stillWaiting.addAll(waiting);
            waiting = stillWaiting;
            while (next < order.length && batch.size() < batchSize) {
                int row = order[next++];
                if (!take(pairs, row, batch, texts)) {
                    waiting.add(row);
                }
            }
            // The first pair taken always fits an empty batch, so every batch takes at least one.
            batches.add(batch.stream().mapToInt(Integer::intValue).toArray());
        }
        return batches;
    }

    private static boolean take(Pairs pairs, int row, List<Integer> batch, Set<String> texts) {
        String anchor = "a\u0000" + pairs.anchors().get(row);
        String positive = "p\u0000" + pairs.positives().get(row);
        if (texts.contains(anchor) || texts.contains(positive)) {
            return false;
        }
        texts.add(anchor);
        texts.add(positive);
        batch.add(row);
        return true;
    }

    /**
     * The recorded forward pass of one batch (anchors, then positives and the batch's negatives as
     * documents), the multiple negatives ranking loss and the backward pass into the gradients.
     */
    private static NDArray forwardBackward(NDManager step, DjlEncoder encoder, HuggingFaceTokenizer tokenizer,
            DjlEncoder.Dropout dropout, Pairs pairs, int[] batch) {
        List<String> anchors = new ArrayList<>();
        List<String> documents = new ArrayList<>();
        for (int row : batch) {
            anchors.add(pairs.anchors().get(row));
            documents.add(pairs.positives().get(row));
        }
        for (int row : batch) {
            String negative = pairs.negatives() == null ? null : pairs.negatives().get(row);
            if (negative != null) {
                documents.add(negative);
            }
        }
        int rows = anchors.size();
        int columns = documents.size();
        try (Autograd.GradMode recording = Autograd.recording()) {
            NDArray[] anchorTokens = TrainingTokens.tokens(step, tokenizer, anchors);
            NDArray[] documentTokens = TrainingTokens.tokens(step, tokenizer, documents);
            NDArray a = encoder.embed(step, anchorTokens[0], anchorTokens[1], anchorTokens[2], dropout);
            NDArray d = encoder.embed(step, documentTokens[0], documentTokens[1], documentTokens[2], dropout);
            NDArray scores = Autograd.attach(step, Autograd.attach(step, a.matMul(Autograd.attach(step, d.transpose())))
                    .mul(DjlEncoder.constant(step, (float) SCALE)));
            NDArray logProbabilities = Autograd.attach(step, scores.logSoftmax(1));
            float[] target = new float[rows * columns];
            for (int k = 0; k < rows; k++) {
                target[k * columns + k] = 1f;
            }
            NDArray loss = Autograd.attach(step, Autograd.attach(step, Autograd.attach(step,
                    logProbabilities.mul(step.create(target, new Shape(rows, columns)))).sum())
                    .mul(DjlEncoder.constant(step, -1f / rows)));
            Autograd.backward(step, loss);
            return loss;
        }
    }

    private static double round(double value) {
        return Math.round(value * 1e6) / 1e6;
    }

    /** What the trainer saves after each epoch: where it stands, the weights, the optimizer's moments and the best epoch's weights. */
    static final class State {
        int epochsDone;
        long step;
        Shuffle shuffle;
        int[] order;
        LinkedHashMap<String, float[]> parameters;
        HashMap<String, float[][]> moments;
        LinkedHashMap<String, float[]> best;
        EpochSelection selection = new EpochSelection();
        ArrayList<Epoch> epochs = new ArrayList<>();
        long trainingNanos;
        long samples;

        void write(OutputStream out) throws IOException {
            Map<String, Object> figures = TrainerCheckpoints.progress(epochsDone, step, shuffle, order, selection, epochs);
            figures.put("trainingNanos", trainingNanos);
            figures.put("samples", samples);
            CheckpointFormat.write(out, TRAINER, figures, TrainerCheckpoints.floats(
                    new TrainerCheckpoints.Weights(parameters, moments, best)), Map.of());
        }

        static State read(CheckpointFormat.Contents contents) throws CheckpointFormat.Unreadable {
            var figures = contents.figures();
            State state = new State();
            state.epochsDone = figures.path("epochsDone").asInt();
            state.step = figures.path("step").asLong();
            state.shuffle = Shuffle.resumed(figures.path("shuffle").asLong());
            state.order = CheckpointFormat.convert(figures.path("order"), int[].class);
            state.selection = EpochSelection.of(figures.path("selection"));
            state.epochs = new ArrayList<>(List.of(CheckpointFormat.convert(figures.path("epochs"), Epoch[].class)));
            state.trainingNanos = figures.path("trainingNanos").asLong();
            state.samples = figures.path("samples").asLong();
            TrainerCheckpoints.Weights weights = TrainerCheckpoints.weights(contents);
            state.parameters = weights.parameters();
            state.moments = weights.moments();
            state.best = weights.best();
            return state;
        }
    }
}
