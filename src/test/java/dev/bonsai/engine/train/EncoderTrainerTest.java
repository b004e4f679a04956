package dev.bonsai.engine.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.bonsai.engine.BaseModel;
import dev.bonsai.engine.SmallDataset;
import dev.bonsai.engine.evaluate.ClassificationMetrics;
import dev.bonsai.engine.graph.ClassifierExport;
import dev.bonsai.engine.graph.TransformerWeights;
import dev.bonsai.engine.runtime.Encoder;
import dev.bonsai.engine.text.TextTokenizer;
import java.io.InputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The DJL forward pass against ONNX Runtime, and the partial and full methods on a small dataset. */
class EncoderTrainerTest {

    private static final double PARITY_TOLERANCE = 1e-4;
    private static final BaseModel MODEL = BaseModel.ALL_MINILM_L6_V2;

    private static byte[] baseGraph;
    private static SmallDataset data;
    private static Encoder onnxEncoder;
    private static SoftmaxHead warmHead;

    @BeforeAll
    static void load() throws Exception {
        try (InputStream onnx = TextTokenizer.resource(MODEL.onnxResource())) {
            baseGraph = onnx.readAllBytes();
        }
        data = new SmallDataset();
        onnxEncoder = Encoder.open(MODEL, new Encoder.Options(1, 16, 64));
        float[][] trainX = onnxEncoder.embed(data.texts.subList(0, 45));
        int[] trainY = data.labelArray(0, 45);
        warmHead = new HeadTrainer().train(trainX, trainY, trainX, trainY, SmallDataset.LABELS,
                HeadTrainer.resolve(20, 8, null, 1L, null, null, trainY, 3), (epoch, total) -> { }, () -> false).head();
    }

    @AfterAll
    static void close() {
        onnxEncoder.close();
    }

    private static float[][] djlEmbeddings(byte[] graph, List<String> texts) {
        try (NDManager manager = Engine.getEngine("PyTorch").newBaseManager();
                HuggingFaceTokenizer tokenizer = TrainingTokens.tokenizer(MODEL, 64)) {
            DjlEncoder encoder = new DjlEncoder(manager, TransformerWeights.read(graph), MODEL.pooling());
            return TrainingTokens.embed(manager, encoder, tokenizer, texts, 16);
        }
    }

    @Test
    void djlForwardPassMatchesOnnxRuntime() {
        List<String> texts = data.texts.subList(0, 10);
        float[][] djl = djlEmbeddings(baseGraph, texts);
        float[][] onnx = onnxEncoder.embed(texts);
        for (int i = 0; i < texts.size(); i++) {
            for (int d = 0; d < onnx[i].length; d++) {
                assertEquals(onnx[i][d], djl[i][d], PARITY_TOLERANCE, "text " + i + " dimension " + d);
            }
        }
    }

    private static EncoderTrainer.Result train(int trainableLayers, long seed) {
        return train(trainableLayers, seed, EncoderTrainer.DROPOUT);
    }

    private static EncoderTrainer.Result train(int trainableLayers, long seed, double dropout) {
        int[] trainY = data.labelArray(0, 45);
        EncoderTrainer.Settings hyperparameters = new EncoderTrainer.Settings(2, 8, 5e-5, 0.01, dropout,
                seed, 2, trainableLayers, 64, new double[] {1, 1, 1});
        return new EncoderTrainer().train(MODEL, baseGraph, data.texts.subList(0, 45), trainY, data.texts.subList(45, 60),
                data.labelArray(45, 60), SmallDataset.LABELS, warmHead, hyperparameters, (epoch, total) -> { }, () -> false);
    }

    @Test
    void aStepWhoseLossIsNotANumberEndsTheRunAndNamesTheWeights() {
        float[][] weights = java.util.Arrays.stream(warmHead.weights()).map(float[]::clone).toArray(float[][]::new);
        weights[0][0] = Float.NaN;
        SoftmaxHead broken = new SoftmaxHead(weights, warmHead.bias().clone());
        EncoderTrainer.Settings settings = new EncoderTrainer.Settings(1, 8, 5e-5, 0.01, 0, 5, 2, 2, 64,
                new double[] {1, 1, 1});
        int[] epochs = {0};
        EncoderTrainer.DivergedException diverged = assertThrows(EncoderTrainer.DivergedException.class,
                () -> new EncoderTrainer().train(MODEL, baseGraph, data.texts.subList(0, 45), data.labelArray(0, 45),
                        data.texts.subList(45, 60), data.labelArray(45, 60), SmallDataset.LABELS, broken, settings,
                        (epoch, total) -> epochs[0]++, () -> false));
        assertTrue(diverged.getMessage().startsWith("the loss is not a finite number at epoch 1"), diverged.getMessage());
        assertTrue(diverged.getMessage().contains("head"), "names the weights at fault: " + diverged.getMessage());
        assertEquals(0, epochs[0], "no epoch is reported as done");
    }

    @Test
    void fullFineTuningExportsAGraphThatReproducesTheTrainer() throws Exception {
        EncoderTrainer.Result result = train(MODEL.layers(), 5);
        assertTrue(result.samplesPerSecond() > 0);
        TransformerWeights before = TransformerWeights.read(baseGraph);
        TransformerWeights after = TransformerWeights.read(result.encoderGraph());
        assertFalse(java.util.Arrays.equals(before.get("layer.0.query.weight").values(),
                after.get("layer.0.query.weight").values()), "full fine-tuning changes the lowest layer too");

        List<String> texts = data.texts.subList(45, 60);
        float[][] expected = result.head().probabilities(djlEmbeddings(result.encoderGraph(), texts));
        byte[] exported = ClassifierExport.export(result.encoderGraph(), MODEL, result.head(), SmallDataset.LABELS,
                Map.of("bonsai.method", "full"));
        Encoder.Tokens tokens;
        try (Encoder tokenizerOnly = Encoder.open(MODEL, result.encoderGraph(), new Encoder.Options(1, 16, 64))) {
            tokens = tokenizerOnly.tokenize(texts);
        }
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        try (OrtSession session = environment.createSession(exported, new OrtSession.SessionOptions())) {
            Map<String, OnnxTensor> inputs = new HashMap<>();
            inputs.put("input_ids", Encoder.tensor(environment, tokens.ids()));
            inputs.put("attention_mask", Encoder.tensor(environment, tokens.attentionMask()));
            inputs.put("token_type_ids", Encoder.tensor(environment, tokens.typeIds()));
            try (OrtSession.Result output = session.run(inputs)) {
                float[][] probabilities = (float[][]) output.get(ClassifierExport.PROBABILITIES).orElseThrow().getValue();
                for (int i = 0; i < texts.size(); i++) {
                    for (int c = 0; c < 3; c++) {
                        assertEquals(expected[i][c], probabilities[i][c], PARITY_TOLERANCE, "row " + i + " class " + c);
                    }
                }
                int[] predicted = SoftmaxHead.argmax(probabilities);
                ClassificationMetrics metrics = ClassificationMetrics.of(data.labelArray(45, 60), predicted, SmallDataset.LABELS);
                assertTrue(metrics.accuracy() >= 0.9, "test accuracy " + metrics.accuracy());
            } finally {
                inputs.values().forEach(OnnxTensor::close);
            }
        }
    }

    @Test
    void partialFineTuningLeavesTheLowerLayersAlone() {
        EncoderTrainer.Result result = train(1, 5);
        TransformerWeights before = TransformerWeights.read(baseGraph);
        TransformerWeights after = TransformerWeights.read(result.encoderGraph());
        assertArrayEquals(before.get("embeddings.word").values(), after.get("embeddings.word").values());
        assertArrayEquals(before.get("layer.4.output.weight").values(), after.get("layer.4.output.weight").values());
        assertFalse(java.util.Arrays.equals(before.get("layer.5.output.weight").values(),
                after.get("layer.5.output.weight").values()), "the top layer learned");
    }

    @Test
    void sameSeedSameTraining() {
        EncoderTrainer.Result first = train(1, 9);
        EncoderTrainer.Result second = train(1, 9);
        assertEquals(first.epochs().stream().map(HeadTrainer.Epoch::trainLoss).toList(),
                second.epochs().stream().map(HeadTrainer.Epoch::trainLoss).toList());
    }

    @Test
    void dropoutZeroesItsShareAndKeepsTheExpectationWithReproducibleMasks() {
        try (NDManager manager = Engine.getEngine("PyTorch").newBaseManager()) {
            NDArray ones = manager.ones(new ai.djl.ndarray.types.Shape(200, 1000));
            float[] first = new DjlEncoder.Dropout(0.1f, 7).apply(manager, ones).toFloatArray();
            float[] again = new DjlEncoder.Dropout(0.1f, 7).apply(manager, ones).toFloatArray();
            float[] other = new DjlEncoder.Dropout(0.1f, 8).apply(manager, ones).toFloatArray();
            int zeros = 0;
            for (float value : first) {
                if (value == 0f) {
                    zeros++;
                } else {
                    assertEquals(1f / 0.9f, value, 1e-6f);
                }
            }
            // 200,000 draws at 0.1: the standard deviation of the share is 0.0007.
            assertEquals(0.1, zeros / 200_000.0, 0.004);
            assertArrayEquals(first, again);
            assertFalse(java.util.Arrays.equals(first, other), "another seed draws other masks");
            assertArrayEquals(ones.toFloatArray(), DjlEncoder.Dropout.NONE.apply(manager, ones).toFloatArray());
        }
    }

    @Test
    void dropoutChangesTrainingButNotEvaluation() {
        EncoderTrainer.Result with = train(1, 9);
        EncoderTrainer.Result without = train(1, 9, 0.0);
        assertNotEquals(without.epochs().get(0).trainLoss(), with.epochs().get(0).trainLoss(),
                "the training steps apply dropout");
        // Evaluation and export draw no masks: the same texts give the same vectors every time.
        float[][] once = djlEmbeddings(with.encoderGraph(), data.texts.subList(45, 50));
        float[][] twice = djlEmbeddings(with.encoderGraph(), data.texts.subList(45, 50));
        for (int i = 0; i < once.length; i++) {
            assertArrayEquals(once[i], twice[i]);
        }
    }

    @Test
    void trainsOnOtherThreadsTwoAtATimeAsItDoesAlone() throws Exception {
        EncoderTrainer.Result alone = train(1, 9);
        EncoderTrainer.Result[] results = new EncoderTrainer.Result[2];
        Throwable[] failures = new Throwable[2];
        Thread[] threads = new Thread[2];
        for (int t = 0; t < 2; t++) {
            int index = t;
            threads[t] = new Thread(() -> {
                try {
                    results[index] = train(1, 9);
                } catch (Throwable e) {
                    failures[index] = e;
                }
            });
            threads[t].start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        for (int t = 0; t < 2; t++) {
            if (failures[t] != null) {
                throw new AssertionError("training on thread " + t + " failed", failures[t]);
            }
            assertEquals(alone.epochs().stream().map(HeadTrainer.Epoch::trainLoss).toList(),
                    results[t].epochs().stream().map(HeadTrainer.Epoch::trainLoss).toList());
            assertArrayEquals(alone.head().bias(), results[t].head().bias());
        }
    }

    /**
     * The gradients a training step computes are the loss's: for the weight with the largest
     * gradient in a few tensors across the network, a central difference of the loss agrees.
     */
    @Test
    void stepGradientsMatchFiniteDifferences() {
        List<String> texts = data.texts.subList(45, 53);
        int[] labels = data.labelArray(45, 53);
        double[] classWeights = {1, 1, 1};
        OneTrainingStep.Step step = OneTrainingStep.step(MODEL, baseGraph, warmHead, texts, labels, classWeights, 64, 2e-5,
                0.01, 0);
        assertTrue(step.loss() > 0.05, "rows the head was not trained on leave something to learn: " + step.loss());
        TransformerWeights weights = TransformerWeights.read(baseGraph);
        float h = 1e-2f;
        for (String role : List.of("embeddings.norm.bias", "layer.0.query.weight", "layer.3.intermediate.weight",
                "layer.5.outputNorm.weight", "head.bias")) {
            float[] gradient = step.gradients().get(role);
            int k = 0;
            for (int i = 1; i < gradient.length; i++) {
                k = Math.abs(gradient[i]) > Math.abs(gradient[k]) ? i : k;
            }
            double[] losses = new double[2];
            for (int side = 0; side < 2; side++) {
                float delta = side == 0 ? h : -h;
                byte[] graph = baseGraph;
                SoftmaxHead head = warmHead;
                if (role.equals("head.bias")) {
                    float[] bias = warmHead.bias().clone();
                    bias[k] += delta;
                    head = new SoftmaxHead(warmHead.weights(), bias);
                } else {
                    float[] values = weights.get(role).values().clone();
                    values[k] += delta;
                    graph = weights.withWeights(Map.of(role, values));
                }
                losses[side] = OneTrainingStep.step(MODEL, graph, head, texts, labels, classWeights, 64, 2e-5, 0.01, 0).loss();
            }
            double numeric = (losses[0] - losses[1]) / (2 * h);
            assertEquals(gradient[k], numeric, 0.01 * Math.abs(gradient[k]) + 1e-6, role + "[" + k + "]");
        }
    }

    @Test
    void weightDecaySparesBiasesAndLayerNormGains() {
        assertTrue(AdamW.isDecayed("layer.0.query.weight"));
        assertTrue(AdamW.isDecayed("embeddings.word"));
        assertTrue(AdamW.isDecayed("head.weight"));
        assertFalse(AdamW.isDecayed("layer.0.query.bias"));
        assertFalse(AdamW.isDecayed("head.bias"));
        assertFalse(AdamW.isDecayed("embeddings.norm.weight"));
        assertFalse(AdamW.isDecayed("layer.2.attentionNorm.weight"));
        assertFalse(AdamW.isDecayed("layer.5.outputNorm.weight"));
    }

    /**
     * The constants of the forward pass are kept by autograd for the backward pass; freeing them
     * in between (as DJL's {@code mul(Number)} does) made the gradients depend on the garbage
     * collector.
     */
    @Test
    void gradientsDoNotDependOnTheGarbageCollector() {
        List<String> texts = data.texts.subList(0, 8);
        float[] undisturbed = intermediateGradient(texts, false);
        for (int attempt = 0; attempt < 3; attempt++) {
            assertArrayEquals(undisturbed, intermediateGradient(texts, true), "attempt " + attempt);
        }
    }

    private static float[] intermediateGradient(List<String> texts, boolean collectGarbage) {
        try (NDManager manager = Engine.getEngine("PyTorch").newBaseManager();
                HuggingFaceTokenizer tokenizer = TrainingTokens.tokenizer(MODEL, 64);
                Autograd.GradMode notRecording = Autograd.off();
                NDManager step = manager.newSubManager()) {
            DjlEncoder encoder = new DjlEncoder(manager, TransformerWeights.read(baseGraph), MODEL.pooling());
            NDArray weight = encoder.parameters().get("layer.5.intermediate.weight");
            weight.setRequiresGradient(true);
            NDArray[] tokens = TrainingTokens.tokens(step, tokenizer, texts);
            NDArray loss;
            try (Autograd.GradMode recording = Autograd.recording()) {
                NDArray embeddings = encoder.embed(step, tokens[0], tokens[1], tokens[2]);
                loss = embeddings.sum();
                loss.attach(step);
                if (collectGarbage) {
                    for (int round = 0; round < 3; round++) {
                        System.gc();
                        for (int k = 0; k < 256; k++) {
                            java.nio.ByteBuffer.allocateDirect(4).order(java.nio.ByteOrder.nativeOrder()).putFloat(0, 1e30f);
                        }
                    }
                }
                Autograd.backward(step, loss);
            }
            NDArray gradient = weight.getGradient();
            gradient.attach(step);
            return gradient.toFloatArray();
        }
    }
}
