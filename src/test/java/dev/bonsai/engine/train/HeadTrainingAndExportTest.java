package dev.bonsai.engine.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.bonsai.engine.BaseModel;
import dev.bonsai.engine.SmallDataset;
import dev.bonsai.engine.evaluate.ClassificationMetrics;
import dev.bonsai.engine.graph.ClassifierExport;
import dev.bonsai.engine.runtime.Encoder;
import dev.bonsai.engine.text.TextTokenizer;
import java.io.InputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The head method end to end on a small dataset: train, evaluate, export, and check the export. */
class HeadTrainingAndExportTest {

    private static final double PARITY_TOLERANCE = 1e-4;

    private static Encoder encoder;
    private static SmallDataset data;
    private static float[][] trainX;
    private static float[][] testX;
    private static int[] trainY;
    private static int[] testY;

    @BeforeAll
    static void embed() {
        encoder = Encoder.open(BaseModel.ALL_MINILM_L6_V2, Encoder.Options.defaults(BaseModel.ALL_MINILM_L6_V2));
        data = new SmallDataset();
        // 45 to train, 15 to test: the dataset is interleaved by class, so both are balanced.
        trainX = encoder.embed(data.texts.subList(0, 45));
        testX = encoder.embed(data.texts.subList(45, 60));
        trainY = data.labelArray(0, 45);
        testY = data.labelArray(45, 60);
    }

    @AfterAll
    static void close() {
        encoder.close();
    }

    private static HeadTrainer.Result train(long seed) {
        HeadTrainer.Settings hyperparameters = HeadTrainer.resolve(null, null, null, seed, null, null, trainY, 3);
        return new HeadTrainer().train(trainX, trainY, testX, testY, SmallDataset.LABELS, hyperparameters,
                (epoch, total) -> { }, () -> false);
    }

    @Test
    void headLearnsTheTopics() {
        HeadTrainer.Result result = train(7);
        int[] predicted = SoftmaxHead.argmax(result.head().probabilities(testX));
        ClassificationMetrics metrics = ClassificationMetrics.of(testY, predicted, SmallDataset.LABELS);
        assertTrue(metrics.accuracy() >= 0.9, "test accuracy " + metrics.accuracy());
        assertEquals(3, metrics.perClass().size());
        assertEquals(5, metrics.perClass().get(0).support());
        assertTrue(result.bestEpoch() >= 1 && result.bestEpoch() <= result.epochs().size());
    }

    @Test
    void sameSeedSameHead() {
        HeadTrainer.Result first = train(11);
        HeadTrainer.Result second = train(11);
        assertEquals(first.epochs().stream().map(HeadTrainer.Epoch::trainLoss).toList(),
                second.epochs().stream().map(HeadTrainer.Epoch::trainLoss).toList());
        assertEquals(first.bestEpoch(), second.bestEpoch());
        for (int d = 0; d < first.head().dimensions(); d++) {
            assertArrayEquals(first.head().weights()[d], second.head().weights()[d]);
        }
    }

    @Test
    void cancellationStopsTraining() {
        HeadTrainer.Settings hyperparameters = HeadTrainer.resolve(5, 8, null, 1L, null, null, trainY, 3);
        int[] steps = {0};
        assertThrows(HeadTrainer.CancelledException.class, () -> new HeadTrainer().train(trainX, trainY, testX, testY,
                SmallDataset.LABELS, hyperparameters, (epoch, total) -> { }, () -> ++steps[0] > 3));
        assertEquals(4, steps[0], "stopped at the first check that said cancelled");
    }

    @Test
    void headRoundTripsThroughItsBytes() {
        SoftmaxHead head = train(3).head();
        byte[] bytes = head.toBytes();
        assertEquals(12 + 4 * (384 * 3 + 3), bytes.length);
        SoftmaxHead read = SoftmaxHead.fromBytes(bytes);
        assertTrue(java.util.Arrays.deepEquals(head.weights(), read.weights()));
        assertTrue(java.util.Arrays.equals(head.bias(), read.bias()));
        assertThrows(IllegalArgumentException.class,
                () -> SoftmaxHead.fromBytes(java.util.Arrays.copyOf(bytes, bytes.length - 4)));
        assertThrows(IllegalArgumentException.class,
                () -> SoftmaxHead.fromBytes("not a head".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Test
    void exportedGraphReproducesTheTrainersProbabilities() throws Exception {
        HeadTrainer.Result result = train(3);
        byte[] encoderGraph;
        try (InputStream onnx = TextTokenizer.resource(BaseModel.ALL_MINILM_L6_V2.onnxResource())) {
            encoderGraph = onnx.readAllBytes();
        }
        byte[] exported = ClassifierExport.export(encoderGraph, BaseModel.ALL_MINILM_L6_V2, result.head(),
                SmallDataset.LABELS, Map.of("bonsai.method", "head"));

        List<String> texts = data.texts.subList(45, 60);
        float[][] expected = result.head().probabilities(encoder.embed(texts));
        Encoder.Tokens tokens = encoder.tokenize(texts);
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        try (OrtSession session = environment.createSession(exported, new OrtSession.SessionOptions())) {
            Map<String, OnnxTensor> inputs = new HashMap<>();
            inputs.put("input_ids", Encoder.tensor(environment, tokens.ids()));
            inputs.put("attention_mask", Encoder.tensor(environment, tokens.attentionMask()));
            inputs.put("token_type_ids", Encoder.tensor(environment, tokens.typeIds()));
            try (OrtSession.Result output = session.run(inputs)) {
                float[][] probabilities = (float[][]) output.get(ClassifierExport.PROBABILITIES).orElseThrow().getValue();
                float[][] embeddings = (float[][]) output.get(ClassifierExport.EMBEDDING).orElseThrow().getValue();
                assertEquals(texts.size(), probabilities.length);
                for (int i = 0; i < texts.size(); i++) {
                    for (int c = 0; c < 3; c++) {
                        assertEquals(expected[i][c], probabilities[i][c], PARITY_TOLERANCE, "row " + i + " class " + c);
                    }
                    assertEquals(384, embeddings[i].length);
                }
            } finally {
                inputs.values().forEach(OnnxTensor::close);
            }
            Map<String, String> metadata = session.getMetadata().getCustomMetadata();
            assertEquals("[\"sports\",\"weather\",\"cooking\"]", metadata.get(ClassifierExport.LABELS_KEY));
            assertEquals("head", metadata.get("bonsai.method"));
        }
    }
}
