package dev.bonsai.engine.train;

import ai.djl.engine.Engine;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.bonsai.engine.BaseModel;
import dev.bonsai.engine.graph.TransformerWeights;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One training step of the encoder trainer, taken apart for checking: by {@code EncoderTrainerTest}
 * and by {@code benchmarks/training-step.sh} against the same step in PyTorch. It lives with the
 * tests because the server never takes a step on its own.
 */
public final class OneTrainingStep {

    private OneTrainingStep() {
    }

    /**
     * One step of full fine-tuning on one batch, taken as {@link EncoderTrainer#train} takes its steps, from the
     * given weights with fresh optimiser state: the tokens, the loss, every weight's gradient (before
     * clipping), their global norm, and every weight after the AdamW update at {@code learningRate}.
     * It exists to check the engine against another implementation of the same step
     * ({@code benchmarks/training-step.sh}); the forward and backward pass is then run
     * {@code timedRuns} more times on the same batch, without updating, to time it.
     */
    public static Step step(BaseModel model, byte[] encoderGraph, SoftmaxHead head, List<String> texts, int[] labels,
            double[] classWeights, int maxSequenceLength, double learningRate, double weightDecay, int timedRuns) {
        TransformerWeights weights = TransformerWeights.read(encoderGraph);
        EncoderTrainer.Settings hyperparameters = new EncoderTrainer.Settings(1, texts.size(), learningRate, weightDecay, 0, 0, 0,
                weights.layers(), maxSequenceLength, classWeights);
        try (HuggingFaceTokenizer tokenizer = TrainingTokens.tokenizer(model, maxSequenceLength);
                NDManager manager = Engine.getEngine("PyTorch").newBaseManager();
                Autograd.GradMode notRecording = Autograd.off()) {
            DjlEncoder encoder = new DjlEncoder(manager, weights, model.pooling());
            Map<String, NDArray> trainable = new LinkedHashMap<>(encoder.parameters());
            NDArray headWeight = manager.create(Matrices.flatten(head.weights()), new Shape(head.dimensions(), head.classes()));
            NDArray headBias = manager.create(head.bias().clone());
            trainable.put("head.weight", headWeight);
            trainable.put("head.bias", headBias);
            Map<String, NDArray[]> moments = new HashMap<>();
            for (Map.Entry<String, NDArray> entry : trainable.entrySet()) {
                entry.getValue().setRequiresGradient(true);
                moments.put(entry.getKey(), new NDArray[] {entry.getValue().zerosLike(), entry.getValue().zerosLike()});
            }
            double[] millis = new double[timedRuns];
            try (NDManager stepManager = manager.newSubManager()) {
                NDArray[] tokens = TrainingTokens.tokens(stepManager, tokenizer, texts);
                double loss = 0;
                Map<String, float[]> gradients = new LinkedHashMap<>();
                double gradientNorm = 0;
                for (int run = 0; run <= timedRuns; run++) {
                    long began = System.nanoTime();
                    try (NDManager runManager = stepManager.newSubManager()) {
                        NDArray lossArray = EncoderTrainer.forwardBackward(runManager, encoder, DjlEncoder.Dropout.NONE, headWeight, headBias,
                                tokens, labels, classWeights, null);
                        Map<String, NDArray> runGradients = Autograd.gradients(runManager, trainable);
                        if (run == 0) {
                            loss = lossArray.getFloat();
                            runGradients.forEach((role, gradient) -> gradients.put(role, gradient.toFloatArray()));
                            gradientNorm = Autograd.norm(runGradients);
                            AdamW.update(runManager, trainable, runGradients, moments, 1, hyperparameters, learningRate,
                                    Math.min(1.0, EncoderTrainer.MAX_GRADIENT_NORM / gradientNorm));
                        } else {
                            millis[run - 1] = (System.nanoTime() - began) / 1e6;
                        }
                        Autograd.zeroGradients(trainable.values());
                    }
                }
                return new Step(rows(tokens[0]), rows(tokens[1]), rows(tokens[2]), loss, gradients, gradientNorm,
                        EncoderTrainer.snapshot(trainable), millis);
            }
        }
    }

    /** What {@link #step} measured; weights and gradients by role, the head's as {@code head.weight} and {@code head.bias}. */
    public record Step(long[][] tokenIds, long[][] attentionMask, long[][] tokenTypes, double loss,
            Map<String, float[]> gradients, double gradientNorm, Map<String, float[]> updated, double[] forwardBackwardMillis) {
    }

    private static long[][] rows(NDArray matrix) {
        long[] flat = matrix.toLongArray();
        int columns = (int) matrix.getShape().get(1);
        long[][] rows = new long[flat.length / columns][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = Arrays.copyOfRange(flat, i * columns, (i + 1) * columns);
        }
        return rows;
    }
}
