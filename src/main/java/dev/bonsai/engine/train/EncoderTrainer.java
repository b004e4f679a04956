package dev.bonsai.engine.train;

import ai.djl.engine.Engine;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.bonsai.engine.BaseModel;
import dev.bonsai.engine.compress.LayerDropping;
import dev.bonsai.engine.evaluate.ClassificationMetrics;
import dev.bonsai.engine.graph.TransformerWeights;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Fine-tunes the encoder itself together with the head (the {@code partial} and {@code full}
 * methods): AdamW (linear warm-up over the first tenth of the steps, then linear decay) on
 * class-weighted cross-entropy through the whole forward pass, written in DJL
 * over the graph's own weights. {@code trainableLayers} top transformer layers learn (all layers
 * plus the embeddings for {@code full}); the rest stay as they were. The head starts from one
 * trained on frozen embeddings, so the first steps do not push random-head gradients into the
 * encoder. Gradients are clipped to a global L2 norm of {@value #MAX_GRADIENT_NORM}, and a step
 * whose loss or gradient is not a finite number ends the run with {@link DivergedException}
 * naming the weights involved, before anything is updated. Each epoch is evaluated on the
 * validation set and the best one is kept, as in {@link HeadTrainer}. The result is an encoder graph with the trained weights written back into
 * its initializers.
 */
public final class EncoderTrainer {

    static {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
    }

    /**
     * The hyperparameters of one run. {@code trainableLayers} ≥ the model's layers means full fine-tuning;
     * {@code dropout} is the training-time dropout rate inside the encoder (BERT's is 0.1).
     */
    public record Settings(int epochs, int batchSize, double learningRate, double weightDecay, double dropout,
            long seed, int earlyStoppingPatience, int trainableLayers, int maxSequenceLength, double[] classWeights) {
    }

    /** Training stopped because the loss or a gradient stopped being a finite number. */
    public static final class DivergedException extends RuntimeException {
        DivergedException(String what, int epoch, long step, List<String> weights) {
            super(what + " is not a finite number at epoch " + epoch + ", step " + step
                    + (weights.isEmpty() ? "" : " (in " + String.join(", ", weights.subList(0, Math.min(3, weights.size())))
                            + (weights.size() > 3 ? " and " + (weights.size() - 3) + " more" : "") + ")"),
                    null, false, false);
        }
    }

    /** Told after every optimisation step, for progress. */
    public interface StepListener {
        void stepEnded(long step, long totalSteps);
    }

    public record Result(byte[] encoderGraph, SoftmaxHead head, int bestEpoch, List<HeadTrainer.Epoch> epochs,
            boolean stoppedEarly, double samplesPerSecond) {
    }

    /**
     * The dropout rate jobs train with: the rate the base models were pre-trained with (BERT's
     * {@code hidden_dropout_prob} and {@code attention_probs_dropout_prob}).
     */
    public static final double DROPOUT = 0.1;

    /**
     * The learning rate jobs train the encoder and head with unless told otherwise (BERT's usual
     * 5e-5; measured against 3e-5 in benchmarks/RESULTS.md).
     */
    public static final double LEARNING_RATE = 5e-5;

    static final double MAX_GRADIENT_NORM = 1.0;

    public Result train(BaseModel model, byte[] encoderGraph, List<String> trainTexts, int[] trainLabels,
            List<String> validationTexts, int[] validationLabels, List<String> labels, SoftmaxHead initialHead,
            Settings hyperparameters, HeadTrainer.Listener listener, BooleanSupplier cancelled) {
        return train(model, encoderGraph, trainTexts, trainLabels, validationTexts, validationLabels, labels, initialHead,
                hyperparameters, listener, (step, total) -> { }, cancelled, Checkpoints.NONE);
    }

    /**
     * What a student is distilled from: the teacher's log-probabilities and pooled embeddings of
     * every training text. The loss is {@code softWeight · T² · CE(softmax(teacher/T),
     * softmax(student/T)) + (1 − softWeight) · CE(labels, student) + embeddingWeight · (1 −
     * cos(student embedding, teacher embedding))}.
     */
    public record Teacher(float[][] logProbabilities, float[][] embeddings, double temperature, double softWeight,
            double embeddingWeight) {
    }

    public Result train(BaseModel model, byte[] encoderGraph, List<String> trainTexts, int[] trainLabels,
            List<String> validationTexts, int[] validationLabels, List<String> labels, SoftmaxHead initialHead,
            Settings hyperparameters, HeadTrainer.Listener listener, StepListener steps, BooleanSupplier cancelled,
            Checkpoints checkpoints) {
        return train(model, encoderGraph, null, trainTexts, trainLabels, validationTexts, validationLabels, labels,
                initialHead, hyperparameters, listener, steps, cancelled, checkpoints);
    }

    /**
     * Trains a student encoder (for instance one with layers dropped, {@link LayerDropping}) and
     * its head against a teacher's outputs on the same texts, as well as the labels.
     */
    public Result distill(BaseModel model, byte[] studentGraph, Teacher teacher, List<String> trainTexts, int[] trainLabels,
            List<String> validationTexts, int[] validationLabels, List<String> labels, SoftmaxHead initialHead,
            Settings hyperparameters, HeadTrainer.Listener listener, StepListener steps, BooleanSupplier cancelled,
            Checkpoints checkpoints) {
        if (teacher.logProbabilities().length != trainTexts.size() || teacher.embeddings().length != trainTexts.size()) {
            throw new IllegalArgumentException("the teacher's outputs do not match the training texts");
        }
        return train(model, studentGraph, teacher, trainTexts, trainLabels, validationTexts, validationLabels, labels,
                initialHead, hyperparameters, listener, steps, cancelled, checkpoints);
    }

    private Result train(BaseModel model, byte[] encoderGraph, Teacher teacher, List<String> trainTexts, int[] trainLabels,
            List<String> validationTexts, int[] validationLabels, List<String> labels, SoftmaxHead initialHead,
            Settings hyperparameters, HeadTrainer.Listener listener, StepListener steps, BooleanSupplier cancelled,
            Checkpoints checkpoints) {
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
            NDArray headWeight = manager.create(Matrices.flatten(initialHead.weights()),
                    new Shape(initialHead.dimensions(), initialHead.classes()));
            NDArray headBias = manager.create(initialHead.bias().clone());
            trainable.put("head.weight", headWeight);
            trainable.put("head.bias", headBias);
            int n = trainTexts.size();
            EncoderState state = TrainerCheckpoints.load(checkpoints, EncoderState.TRAINER, EncoderState::read);
            if (state == null) {
                state = new EncoderState();
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
            int[] order = state.order;
            Shuffle shuffle = state.shuffle;
            List<HeadTrainer.Epoch> epochs = state.epochs;
            long step = state.step;
            long totalSteps = (long) hyperparameters.epochs() * ((n + hyperparameters.batchSize() - 1) / hyperparameters.batchSize());
            long trainingNanos = state.trainingNanos;
            long samples = state.samples;
            for (int epoch = state.epochsDone + 1; epoch <= hyperparameters.epochs() && !state.selection.stopped(); epoch++) {
                // Resumed in the middle of this epoch: its order is the one saved, its loss sums go on.
                int resumeAt = state.nextBatchStart;
                double lossSum = resumeAt > 0 ? state.partialLossSum : 0;
                double weightSum = resumeAt > 0 ? state.partialWeightSum : 0;
                state.nextBatchStart = 0;
                if (resumeAt == 0) {
                    shuffle.shuffle(order);
                }
                for (int start = resumeAt; start < n; start += hyperparameters.batchSize()) {
                    if (checkpoints.requested()) {
                        state.epochsDone = epoch - 1;
                        state.nextBatchStart = start;
                        state.partialLossSum = lossSum;
                        state.partialWeightSum = weightSum;
                        state.step = step;
                        state.trainingNanos = trainingNanos;
                        state.samples = samples;
                        save(checkpoints, state, trainable, moments);
                        state.nextBatchStart = 0;
                    }
                    if (cancelled.getAsBoolean()) {
                        throw new HeadTrainer.CancelledException();
                    }
                    long began = System.nanoTime();
                    int end = Math.min(n, start + hyperparameters.batchSize());
                    List<String> texts = new ArrayList<>();
                    int[] batchLabels = new int[end - start];
                    for (int k = start; k < end; k++) {
                        texts.add(trainTexts.get(order[k]));
                        batchLabels[k - start] = trainLabels[order[k]];
                    }
                    double batchWeight = batchWeight(batchLabels, hyperparameters.classWeights());
                    step++;
                    try (NDManager stepManager = manager.newSubManager()) {
                        NDArray[] tokens = TrainingTokens.tokens(stepManager, tokenizer, texts);
                        int first = start;
                        DjlEncoder.Dropout dropout = DjlEncoder.Dropout.forStep((float) hyperparameters.dropout(),
                                hyperparameters.seed(), step);
                        NDArray loss = forwardBackward(stepManager, encoder, dropout, headWeight, headBias, tokens, batchLabels,
                                hyperparameters.classWeights(), teacher == null ? null : (logits, embeddings, labelLoss) ->
                                        distillationLoss(stepManager, teacher, order, first, end, logits, embeddings, labelLoss));
                        float lossValue = loss.getFloat();
                        if (!Float.isFinite(lossValue)) {
                            throw new DivergedException("the loss", epoch, step, Autograd.notFinite(trainable));
                        }
                        Map<String, NDArray> gradients = Autograd.gradients(stepManager, trainable);
                        double gradientNorm = Autograd.norm(gradients);
                        if (!Double.isFinite(gradientNorm)) {
                            throw new DivergedException("the gradient", epoch, step, Autograd.notFinite(gradients));
                        }
                        lossSum += lossValue * batchWeight;
                        weightSum += batchWeight;
                        AdamW.update(stepManager, trainable, gradients, moments, step, hyperparameters,
                                hyperparameters.learningRate() * AdamW.schedule(step, totalSteps),
                                Math.min(1.0, MAX_GRADIENT_NORM / gradientNorm));
                        Autograd.zeroGradients(trainable.values());
                    }
                    trainingNanos += System.nanoTime() - began;
                    samples += end - start;
                    steps.stepEnded(step, totalSteps);
                }
                SoftmaxHead head = new SoftmaxHead(Matrices.unflatten(headWeight.toFloatArray(), initialHead.dimensions()),
                        headBias.toFloatArray());
                float[][] validationProbabilities = head.probabilities(TrainingTokens.embed(manager, encoder, tokenizer, validationTexts,
                        hyperparameters.batchSize()));
                double validationLoss = HeadTrainer.crossEntropy(validationProbabilities, validationLabels);
                ClassificationMetrics validation = ClassificationMetrics.of(validationLabels,
                        SoftmaxHead.argmax(validationProbabilities), labels);
                HeadTrainer.Epoch result = new HeadTrainer.Epoch(epoch, lossSum / Math.max(weightSum, 1e-12),
                        validationLoss, validation);
                epochs.add(result);
                listener.epochEnded(result, hyperparameters.epochs());
                if (state.selection.record(epoch, validation.macroF1(), validationLoss,
                        hyperparameters.earlyStoppingPatience())) {
                    state.best = snapshot(trainable);
                }
                state.epochsDone = epoch;
                state.step = step;
                state.trainingNanos = trainingNanos;
                state.samples = samples;
                if (checkpoints != Checkpoints.NONE) {
                    save(checkpoints, state, trainable, moments);
                }
            }
            boolean stoppedEarly = epochs.size() < hyperparameters.epochs();
            Map<String, float[]> best = new LinkedHashMap<>(state.best);
            SoftmaxHead head = new SoftmaxHead(Matrices.unflatten(best.remove("head.weight"), initialHead.dimensions()),
                    best.remove("head.bias"));
            double samplesPerSecond = samples / Math.max(trainingNanos / 1e9, 1e-9);
            return new Result(weights.withWeights(best), head, state.selection.bestEpoch(), List.copyOf(epochs), stoppedEarly,
                    samplesPerSecond);
        }
    }

    /** Adds terms to a batch's label loss (distillation), given its logits and pooled embeddings. */
    private interface ExtraLoss {
        NDArray apply(NDArray logits, NDArray embeddings, NDArray labelLoss);
    }

    /**
     * The recorded forward pass of a batch through the encoder and the head, its loss (the label
     * loss, then {@code extra} when given) and the backward pass into the parameters' gradients.
     */
    static NDArray forwardBackward(NDManager step, DjlEncoder encoder, DjlEncoder.Dropout dropout, NDArray headWeight,
            NDArray headBias, NDArray[] tokens, int[] labels, double[] classWeights, ExtraLoss extra) {
        try (Autograd.GradMode recording = Autograd.recording()) {
            NDArray embeddings = encoder.embed(step, tokens[0], tokens[1], tokens[2], dropout);
            // As BERT's classifier: dropout on the pooled embedding too, before the head.
            NDArray logits = Autograd.attach(step, Autograd.attach(step, dropout.apply(step, embeddings).matMul(headWeight)).add(headBias));
            NDArray loss = labelLoss(step, logits, labels, classWeights);
            if (extra != null) {
                loss = extra.apply(logits, embeddings, loss);
            }
            Autograd.backward(step, loss);
            return loss;
        }
    }

    /**
     * Class-weighted cross-entropy of a batch: {@code −Σ w(yᵢ) · log softmax(logitsᵢ)[yᵢ] / Σ w(yᵢ)}.
     */
    private static NDArray labelLoss(NDManager step, NDArray logits, int[] labels, double[] classWeights) {
        int rows = labels.length;
        int classes = (int) logits.getShape().get(1);
        float[] targets = new float[rows * classes];
        for (int k = 0; k < rows; k++) {
            targets[k * classes + labels[k]] = (float) classWeights[labels[k]];
        }
        NDArray target = step.create(targets, new Shape(rows, classes));
        NDArray logProbabilities = Autograd.attach(step, logits.logSoftmax(1));
        return Autograd.attach(step, Autograd.attach(step, Autograd.attach(step, logProbabilities.mul(target)).sum())
                .mul(DjlEncoder.constant(step, (float) (-1.0 / batchWeight(labels, classWeights)))));
    }

    private static double batchWeight(int[] labels, double[] classWeights) {
        double sum = 0;
        for (int label : labels) {
            sum += classWeights[label];
        }
        return sum;
    }

    /** The distillation loss of a batch (rows {@code order[start..end)}), given its label loss. */
    private static NDArray distillationLoss(NDManager step, Teacher teacher, int[] order, int start, int end, NDArray logits,
            NDArray embeddings, NDArray labelLoss) {
        int rows = end - start;
        int classes = teacher.logProbabilities()[0].length;
        int width = teacher.embeddings()[0].length;
        float[] soft = new float[rows * classes];
        float[] teacherEmbeddings = new float[rows * width];
        for (int k = 0; k < rows; k++) {
            int i = order[start + k];
            float[] scaled = teacher.logProbabilities()[i].clone();
            for (int c = 0; c < classes; c++) {
                scaled[c] /= (float) teacher.temperature();
            }
            System.arraycopy(SoftmaxHead.softmax(scaled), 0, soft, k * classes, classes);
            System.arraycopy(teacher.embeddings()[i], 0, teacherEmbeddings, k * width, width);
        }
        float temperature = (float) teacher.temperature();
        NDArray studentSoft = Autograd.attach(step, Autograd.attach(step, logits.div(DjlEncoder.constant(step, temperature))).logSoftmax(1));
        NDArray softLoss = Autograd.attach(step, Autograd.attach(step, Autograd.attach(step, studentSoft.mul(step.create(soft, new Shape(rows, classes))))
                .sum()).mul(DjlEncoder.constant(step, -temperature * temperature / rows)));
        NDArray cosine = Autograd.attach(step, Autograd.attach(step, embeddings.mul(step.create(teacherEmbeddings, new Shape(rows, width))))
                .sum(new int[] {1}));
        NDArray embeddingLoss = Autograd.attach(step, Autograd.attach(step, Autograd.attach(step, cosine.mean()).neg()).add(DjlEncoder.constant(step, 1f)));
        return Autograd.attach(step, Autograd.attach(step, Autograd.attach(step, softLoss.mul(DjlEncoder.constant(step, (float) teacher.softWeight())))
                .add(Autograd.attach(step, labelLoss.mul(DjlEncoder.constant(step, (float) (1 - teacher.softWeight()))))))
                .add(Autograd.attach(step, embeddingLoss.mul(DjlEncoder.constant(step, (float) teacher.embeddingWeight())))));
    }

    /** Saves the state with the current weights and optimizer moments, which it holds only while it is written. */
    private static void save(Checkpoints checkpoints, EncoderState state, Map<String, NDArray> trainable,
            Map<String, NDArray[]> moments) {
        state.parameters = snapshot(trainable);
        state.moments = AdamW.snapshot(moments);
        TrainerCheckpoints.save(checkpoints, state::write);
        state.parameters = null;
        state.moments = null;
    }

    static LinkedHashMap<String, float[]> snapshot(Map<String, NDArray> trainable) {
        LinkedHashMap<String, float[]> copy = new LinkedHashMap<>();
        trainable.forEach((role, parameter) -> copy.put(role, parameter.toFloatArray()));
        return copy;
    }
}
