package dev.bonsai.engine.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.bonsai.engine.BaseModel;
import dev.bonsai.engine.SmallClassifier;
import dev.bonsai.engine.SmallDataset;
import dev.bonsai.engine.evaluate.ClassificationMetrics;
import dev.bonsai.engine.evaluate.VariantMeasurement;
import dev.bonsai.engine.graph.ClassifierExport;
import dev.bonsai.engine.graph.ClassifierGraph;
import dev.bonsai.engine.graph.TransformerWeights;
import dev.bonsai.engine.runtime.ClassifierRunner;
import dev.bonsai.engine.runtime.Encoder;
import dev.bonsai.engine.text.TokenizationChange;
import dev.bonsai.engine.train.DjlEncoder;
import dev.bonsai.engine.train.EncoderTrainer;
import dev.bonsai.engine.train.SoftmaxHead;
import dev.bonsai.engine.train.TrainingTokens;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each compression technique on a small real model (all-MiniLM-L6-v2 with a head trained on 45 sentences). */
class CompressionTest {

    private static final BaseModel MODEL = SmallClassifier.MODEL;
    private static final int MAX_LENGTH = SmallClassifier.MAX_LENGTH;

    private static SmallDataset data;
    private static byte[] encoderGraph;
    private static byte[] classifier;
    private static byte[] tokenizerJson;
    private static int[] testY;

    @BeforeAll
    static void trainAClassifier() {
        SmallClassifier fixture = SmallClassifier.get();
        data = fixture.data;
        encoderGraph = fixture.encoderGraph;
        classifier = fixture.classifier;
        tokenizerJson = fixture.tokenizerJson;
        testY = fixture.testY;
    }

    private static float[][] probabilities(byte[] graph, byte[] tokenizer, List<String> texts) {
        try (ClassifierRunner runner = ClassifierRunner.open(graph, tokenizer, MAX_LENGTH, 1)) {
            return runner.probabilities(texts, 16);
        }
    }

    private static Compression compression() {
        return SmallClassifier.get().compression((recipe, step, message) -> { });
    }

    @Test
    void splittingAClassifierGivesBackItsParts() {
        ClassifierGraph.Parts parts = ClassifierGraph.split(classifier);
        assertEquals(SmallDataset.LABELS, parts.labels());
        assertEquals(MODEL.id(), parts.metadata().get("bonsai.baseModel"));
        byte[] again = ClassifierExport.export(parts.encoderGraph(), MODEL, parts.head(), parts.labels(), parts.metadata());
        float[][] expected = probabilities(classifier, tokenizerJson, data.texts);
        float[][] actual = probabilities(again, tokenizerJson, data.texts);
        for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(expected[i], actual[i], 1e-6f);
        }
    }

    @Test
    void vocabularyPruningIsLosslessOnItsOwnTextsAndMakesNoNewUnknownsElsewhere() {
        Compression.Variant pruned = compression().apply("vocabulary-pruning");
        assertTrue(pruned.graph().length < classifier.length * 0.6, pruned.graph().length + " of " + classifier.length);
        assertEquals(MAX_LENGTH + " of 512 positions kept (the maximum sequence length)", pruned.details().get("positions"));
        // The training texts it was built from, and one longer than the maximum length: exactly as before.
        List<String> texts = new ArrayList<>(SmallClassifier.get().trainTexts());
        texts.add(String.join(" ", data.texts.subList(0, 8)));
        float[][] expected = probabilities(classifier, tokenizerJson, texts);
        float[][] actual = probabilities(pruned.graph(), pruned.tokenizerJson(), texts);
        for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(expected[i], actual[i], 1e-5f, "text " + i);
        }
        assertEquals(0, TokenizationChange.measure(tokenizerJson, pruned.tokenizerJson(), MAX_LENGTH, texts).changedTexts(),
                "its own texts are split as before");
        // Text it never saw: words outside its vocabulary are split into kept pieces, never made [UNK].
        List<String> unseen = new ArrayList<>(SmallClassifier.get().testTexts());
        unseen.addAll(List.of("xylophone quarterback", "Zürich's naïve façade", "qwfpgj zxcvbnm 1234567"));
        TokenizationChange.Report change = TokenizationChange.measure(tokenizerJson, pruned.tokenizerJson(), MAX_LENGTH, unseen);
        assertEquals(0, change.newUnknownTokens(), change.toString());
        assertTrue(change.changedTexts() >= 3, "the made-up words are split differently: " + change);
        assertTrue(change.tokens() > 100);
        System.out.println("vocabulary pruning on unseen text: " + change);
    }

    @Test
    void int8AndFp16StayCloseToTheOriginal() {
        Compression compression = compression();
        float[][] expected = probabilities(classifier, tokenizerJson, data.texts);
        for (String recipe : List.of("int8-dynamic", "fp16", "vocabulary-pruning+int8-dynamic")) {
            Compression.Variant variant = compression.apply(recipe);
            float[][] actual = probabilities(variant.graph(), variant.tokenizerJson(), data.texts);
            int agree = 0;
            for (int i = 0; i < expected.length; i++) {
                agree += SoftmaxHead.argmax(new float[][] {expected[i]})[0] == SoftmaxHead.argmax(new float[][] {actual[i]})[0]
                        ? 1 : 0;
                if (recipe.equals("fp16")) {
                    assertArrayEquals(expected[i], actual[i], 2e-3f, "fp16 text " + i);
                }
            }
            assertTrue(agree >= expected.length - 1, recipe + ": " + agree + " of " + expected.length + " agree");
        }
        assertTrue(compression.apply("fp16").graph().length < classifier.length * 0.55);
        assertTrue(compression.apply("int8-dynamic").graph().length < classifier.length * 0.3);
    }

    @Test
    void staticInt8UsesCalibratedRangesAndStaysClose() {
        Map<String, float[]> ranges = StaticQuantization.calibrate(classifier, tokenizerJson, MAX_LENGTH, data.texts);
        assertEquals(6 * 4 + 1, ranges.size(),
                "per layer the input of q/k/v (shared), attention output, up and down projections; and the head's");
        ranges.values().forEach(range -> assertTrue(range[0] < range[1]));
        Compression.Variant variant = compression().apply("int8-static");
        assertTrue(variant.details().get("int8").contains("calibrated on 45 training texts"), variant.details().toString());
        // The graph quantizes each calibrated input with its own range, fixed: one QuantizeLinear per input, its
        // scale the range's width over 255, and nothing measured at run time.
        Map<String, float[]> trainRanges = StaticQuantization.calibrate(classifier, tokenizerJson, MAX_LENGTH,
                SmallClassifier.get().trainTexts());
        ai.onnx.proto.OnnxMl.GraphProto graph = ClassifierExport.parse(variant.graph()).getGraph();
        Map<String, ai.onnx.proto.OnnxMl.TensorProto> initializers = new java.util.HashMap<>();
        graph.getInitializerList().forEach(tensor -> initializers.put(tensor.getName(), tensor));
        java.util.Set<String> quantizedInputs = new java.util.HashSet<>();
        for (ai.onnx.proto.OnnxMl.NodeProto node : graph.getNodeList()) {
            assertFalse(List.of("DynamicQuantizeLinear", "ReduceMax").contains(node.getOpType()), node.getName());
            if (node.getOpType().equals("QuantizeLinear")) {
                float[] range = trainRanges.get(node.getInput(0));
                assertNotNull(range, "a calibrated input: " + node.getInput(0));
                float scale = TransformerWeights.floats(initializers.get(node.getInput(1)))[0];
                assertEquals((Math.max(0f, range[1]) - Math.min(0f, range[0])) / 255f, scale, 1e-9f, node.getInput(0));
                quantizedInputs.add(node.getInput(0));
            }
        }
        java.util.Set<String> encoderInputs = new java.util.HashSet<>(trainRanges.keySet());
        encoderInputs.remove(ClassifierExport.EMBEDDING); // the head's input: its 3 columns stay fp32
        assertEquals(encoderInputs, quantizedInputs, "every calibrated encoder input, once");
        assertTrue(variant.graph().length < classifier.length * 0.3);
        float[][] expected = probabilities(classifier, tokenizerJson, data.texts);
        float[][] actual = probabilities(variant.graph(), variant.tokenizerJson(), data.texts);
        int agree = 0;
        for (int i = 0; i < expected.length; i++) {
            agree += SoftmaxHead.argmax(new float[][] {expected[i]})[0] == SoftmaxHead.argmax(new float[][] {actual[i]})[0]
                    ? 1 : 0;
        }
        assertTrue(agree >= expected.length - 3, agree + " of " + expected.length + " agree");
    }

    @Test
    void structuredPruningDropsTheLeastImportantHeadsAndNeuronsAndRecovers() throws Exception {
        StructuredPruning.Result pruned = StructuredPruning.prune(encoderGraph, 0.25);
        assertEquals(6 * 12, pruned.headsBefore());
        assertEquals(6 * 3, pruned.headsAfter());
        assertEquals(6 * 1536, pruned.neuronsBefore());
        assertEquals(6 * 384, pruned.neuronsAfter());
        TransformerWeights weights = TransformerWeights.read(pruned.graph());
        assertKeptTheMostImportant(TransformerWeights.read(encoderGraph), weights, 3, 384);
        assertArrayEquals(new long[] {384, 96}, weights.get("layer.0.query.weight").shape());
        assertArrayEquals(new long[] {96, 384}, weights.get("layer.0.attentionOutput.weight").shape());
        assertArrayEquals(new long[] {384, 384}, weights.get("layer.0.intermediate.weight").shape());
        assertArrayEquals(new long[] {384, 384}, weights.get("layer.0.output.weight").shape());
        // The pruned graph runs as it is, and the trainer's forward pass agrees with it.
        List<String> texts = data.texts.subList(0, 4);
        float[][] onnx;
        try (Encoder encoder = Encoder.open(MODEL, pruned.graph(), new Encoder.Options(1, 8, MAX_LENGTH))) {
            onnx = encoder.embed(texts);
        }
        try (NDManager manager = Engine.getEngine("PyTorch").newBaseManager();
                ai.djl.huggingface.tokenizers.HuggingFaceTokenizer tokenizer = TrainingTokens.tokenizer(MODEL, MAX_LENGTH)) {
            NDArray[] tokens = TrainingTokens.tokens(manager, tokenizer, texts);
            float[] flat = new DjlEncoder(manager, weights, MODEL.pooling()).embed(manager, tokens[0], tokens[1], tokens[2])
                    .toFloatArray();
            for (int i = 0; i < texts.size(); i++) {
                for (int d = 0; d < onnx[i].length; d++) {
                    assertEquals(onnx[i][d], flat[i * onnx[i].length + d], 1e-4, "text " + i + ", dimension " + d);
                }
            }
        }
        Compression.Variant student = compression().apply("structured-pruning:25");
        float[][] probabilities = probabilities(student.graph(), student.tokenizerJson(), data.texts.subList(45, 60));
        ClassificationMetrics metrics = ClassificationMetrics.of(testY, SoftmaxHead.argmax(probabilities),
                SmallDataset.LABELS);
        assertTrue(metrics.accuracy() >= 0.8, "recovered accuracy " + metrics.accuracy());
        assertTrue(student.details().get("pruning").startsWith("kept 18 of 72 attention heads and 2304 of 9216"),
                student.details().toString());
        assertTrue(student.graph().length < classifier.length * 0.75, student.graph().length + " of " + classifier.length);
    }

    /**
     * The BGE models have other shapes than MiniLM (12 layers of 12 heads; 4 layers 512 wide with CLS
     * pooling): pruning keeps each layer's most important half and the pruned graph runs as the
     * trainer reads it, so distillation can recover it as it does MiniLM.
     */
    @Test
    void structuredPruningOfTheBgeModelsKeepsTheirMostImportantHalfAndRunsAsTheTrainerReadsIt() throws Exception {
        Map<BaseModel, List<String>> texts = Map.of(
                BaseModel.BGE_SMALL_EN_V15, List.of("The ferry left an hour late because of fog.", "Prices rose again."),
                BaseModel.BGE_SMALL_ZH_V15, List.of("今天的火车晚点了一个小时。", "这家店的面条很好吃。"));
        for (BaseModel model : List.of(BaseModel.BGE_SMALL_EN_V15, BaseModel.BGE_SMALL_ZH_V15)) {
            byte[] graph = model.readGraph();
            TransformerWeights original = TransformerWeights.read(graph);
            int heads = original.heads();
            int neurons = (int) original.get("layer.0.intermediate.weight").shape()[1];
            StructuredPruning.Result pruned = StructuredPruning.prune(graph, 0.5);
            assertEquals(model.layers() * heads, pruned.headsBefore(), model.id());
            assertEquals(model.layers() * heads / 2, pruned.headsAfter(), model.id());
            assertEquals(model.layers() * neurons / 2, pruned.neuronsAfter(), model.id());
            TransformerWeights weights = TransformerWeights.read(pruned.graph());
            assertKeptTheMostImportant(original, weights, heads / 2, neurons / 2);
            assertArrayEquals(new long[] {model.dimensions(), (long) heads / 2 * original.headSize()},
                    weights.get("layer." + (model.layers() - 1) + ".query.weight").shape(), model.id());
            float[][] onnx;
            try (Encoder encoder = Encoder.open(model, pruned.graph(), new Encoder.Options(1, 8, MAX_LENGTH))) {
                onnx = encoder.embed(texts.get(model));
            }
            try (NDManager manager = Engine.getEngine("PyTorch").newBaseManager();
                    ai.djl.huggingface.tokenizers.HuggingFaceTokenizer tokenizer = TrainingTokens.tokenizer(model, MAX_LENGTH)) {
                NDArray[] tokens = TrainingTokens.tokens(manager, tokenizer, texts.get(model));
                float[] flat = new DjlEncoder(manager, weights, model.pooling()).embed(manager, tokens[0], tokens[1], tokens[2])
                        .toFloatArray();
                for (int i = 0; i < onnx.length; i++) {
                    for (int d = 0; d < onnx[i].length; d++) {
                        assertEquals(onnx[i][d], flat[i * onnx[i].length + d], 1e-4, model.id() + " text " + i + ", dimension " + d);
                    }
                }
            }
        }
    }

    /**
     * In every layer, the heads and neurons kept are the {@code heads} and {@code neurons} with the largest
     * norm of the weights reading in (value columns, up-projection column) times the norm of those writing out
     * (attention-output rows, down-projection row), computed here from the original weights.
     */
    private static void assertKeptTheMostImportant(TransformerWeights original, TransformerWeights pruned, int heads,
            int neurons) {
        int headSize = original.headSize();
        for (int layer = 0; layer < original.layers(); layer++) {
            String role = "layer." + layer + ".";
            float[] value = original.get(role + "value.weight").values();
            float[] output = original.get(role + "attentionOutput.weight").values();
            int hidden = (int) original.get(role + "value.weight").shape()[0];
            int width = (int) original.get(role + "value.weight").shape()[1];
            double[] headScores = new double[width / headSize];
            for (int head = 0; head < headScores.length; head++) {
                double in = 0;
                double out = 0;
                for (int d = head * headSize; d < (head + 1) * headSize; d++) {
                    for (int h = 0; h < hidden; h++) {
                        in += value[h * width + d] * value[h * width + d];
                        out += output[d * hidden + h] * output[d * hidden + h];
                    }
                }
                headScores[head] = Math.sqrt(in) * Math.sqrt(out);
            }
            // Which original head each kept block of value columns is.
            float[] keptValue = pruned.get(role + "value.weight").values();
            int keptWidth = (int) pruned.get(role + "value.weight").shape()[1];
            java.util.Set<Integer> keptHeads = new java.util.TreeSet<>();
            for (int block = 0; block < keptWidth / headSize; block++) {
                keptHeads.add(matchingColumnBlock(value, width, keptValue, keptWidth, hidden, block, headSize));
            }
            assertEquals(largest(headScores, heads), keptHeads, "layer " + layer + " heads");

            float[] up = original.get(role + "intermediate.weight").values();
            float[] down = original.get(role + "output.weight").values();
            int all = (int) original.get(role + "intermediate.weight").shape()[1];
            double[] neuronScores = new double[all];
            for (int n = 0; n < all; n++) {
                double in = 0;
                double out = 0;
                for (int h = 0; h < hidden; h++) {
                    in += up[h * all + n] * up[h * all + n];
                    out += down[n * hidden + h] * down[n * hidden + h];
                }
                neuronScores[n] = Math.sqrt(in) * Math.sqrt(out);
            }
            float[] keptUp = pruned.get(role + "intermediate.weight").values();
            int keptNeurons = (int) pruned.get(role + "intermediate.weight").shape()[1];
            java.util.Set<Integer> kept = new java.util.TreeSet<>();
            for (int column = 0; column < keptNeurons; column++) {
                kept.add(matchingColumnBlock(up, all, keptUp, keptNeurons, hidden, column, 1));
            }
            assertEquals(largest(neuronScores, neurons), kept, "layer " + layer + " neurons");
        }
    }

    /** The original block of {@code size} columns equal to kept block {@code block}. */
    private static int matchingColumnBlock(float[] original, int width, float[] kept, int keptWidth, int rows, int block,
            int size) {
        for (int candidate = 0; candidate < width / size; candidate++) {
            boolean same = true;
            for (int r = 0; r < rows && same; r++) {
                for (int c = 0; c < size && same; c++) {
                    same = original[r * width + candidate * size + c] == kept[r * keptWidth + block * size + c];
                }
            }
            if (same) {
                return candidate;
            }
        }
        throw new AssertionError("kept block " + block + " is no block of the original");
    }

    private static java.util.Set<Integer> largest(double[] scores, int count) {
        Integer[] order = new Integer[scores.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Double.compare(scores[b], scores[a]));
        return new java.util.TreeSet<>(java.util.Arrays.asList(order).subList(0, count));
    }

    @Test
    void halfPrecisionRoundsToNearestEven() {
        for (float value : new float[] {0f, 1f, -2.5f, 65504f, 6.1035156e-5f, 5.9604645e-8f, 0.1f, 3.14159f}) {
            float back = Fp16Weights.fromHalf(Fp16Weights.toHalf(value));
            assertEquals(value, back, Math.abs(value) * 1e-3 + 1e-7, "value " + value);
        }
        assertEquals(Float.POSITIVE_INFINITY, Fp16Weights.fromHalf(Fp16Weights.toHalf(1e6f)));
        assertEquals((short) 0x3c00, Fp16Weights.toHalf(1f));
        assertEquals((short) 0x3c00, Fp16Weights.toHalf(1f + 0x1p-11f), "a tie rounds to the even neighbour");
    }

    @Test
    void droppedLayersGiveAWorkingEncoderThatTheTrainerReadsAlike() throws Exception {
        int[] kept = LayerDropping.evenlySpread(6, 3);
        assertArrayEquals(new int[] {1, 3, 5}, kept);
        byte[] student = LayerDropping.keepLayers(encoderGraph, kept);
        TransformerWeights weights = TransformerWeights.read(student);
        assertEquals(3, weights.layers());
        TransformerWeights original = TransformerWeights.read(encoderGraph);
        assertArrayEquals(original.get("layer.3.query.weight").values(), weights.get("layer.1.query.weight").values());
        assertTrue(student.length < encoderGraph.length * 0.8);
        List<String> texts = data.texts.subList(0, 8);
        float[][] onnx;
        try (Encoder encoder = Encoder.open(MODEL, student, new Encoder.Options(1, 8, MAX_LENGTH))) {
            onnx = encoder.embed(texts);
        }
        // The same student computed by the trainer's own forward pass.
        try (NDManager manager = Engine.getEngine("PyTorch").newBaseManager();
                ai.djl.huggingface.tokenizers.HuggingFaceTokenizer tokenizer = TrainingTokens.tokenizer(MODEL, MAX_LENGTH)) {
            DjlEncoder djl = new DjlEncoder(manager, weights, MODEL.pooling());
            NDArray[] tokens = TrainingTokens.tokens(manager, tokenizer, texts);
            float[] flat = djl.embed(manager, tokens[0], tokens[1], tokens[2]).toFloatArray();
            for (int i = 0; i < texts.size(); i++) {
                for (int d = 0; d < onnx[i].length; d++) {
                    assertEquals(onnx[i][d], flat[i * onnx[i].length + d], 1e-4, "text " + i + ", dimension " + d);
                }
            }
        }
    }

    @Test
    void aDistilledStudentKeepsMostOfTheTeachersAccuracy() {
        List<String> events = new ArrayList<>();
        List<long[]> steps = new ArrayList<>();
        Compression compression = SmallClassifier.get().compression(new Compression.Listener() {
            @Override
            public void step(String recipe, String step, String message) {
                events.add(step);
            }

            @Override
            public void trainingStep(String recipe, long step, long total) {
                steps.add(new long[] {step, total});
            }
        });
        Compression.Variant student = compression.apply("layer-drop:2+int8-dynamic");
        assertEquals(List.of("layer-drop", "int8-dynamic"), events);
        // Distillation reports every step, so a job's progress moves within an epoch.
        assertTrue(steps.size() > 3, "steps reported: " + steps.size());
        assertEquals(steps.get(steps.size() - 1)[1], steps.get(steps.size() - 1)[0], "the last step is the total");
        float[][] probabilities = probabilities(student.graph(), student.tokenizerJson(), data.texts.subList(45, 60));
        ClassificationMetrics metrics = ClassificationMetrics.of(testY, SoftmaxHead.argmax(probabilities),
                SmallDataset.LABELS);
        assertTrue(metrics.accuracy() >= 0.8, "student accuracy " + metrics.accuracy());
        assertTrue(student.graph().length < classifier.length * 0.25, student.graph().length + " of " + classifier.length);
        assertTrue(student.details().get("layers").startsWith("kept [2, 5] of 6"), student.details().toString());
        compression.apply("layer-drop:2");
        assertEquals(List.of("layer-drop", "int8-dynamic"), events, "the distilled student is reused");
    }

    @Test
    void recipesAreChecked() {
        assertEquals("layer-drop:3+vocabulary-pruning+int8-dynamic",
                Compression.canonical(Compression.parse(" layer-drop:3 + vocabulary-pruning+int8-dynamic", 6)));
        assertThrows(IllegalArgumentException.class, () -> Compression.parse("int8-dynamic+vocabulary-pruning", 6));
        assertThrows(IllegalArgumentException.class, () -> Compression.parse("int8-dynamic+fp16", 6));
        assertThrows(IllegalArgumentException.class, () -> Compression.parse("layer-drop:6", 6));
        assertThrows(IllegalArgumentException.class, () -> Compression.parse("layer-drop:x", 6));
        assertThrows(IllegalArgumentException.class, () -> Compression.parse("magic", 6));
        for (String empty : List.of("+", "", " ", "int8-dynamic+", "+fp16", "vocabulary-pruning++int8-dynamic")) {
            assertThrows(IllegalArgumentException.class, () -> Compression.parse(empty, 6), "'" + empty + "'");
        }
        assertThrows(IllegalArgumentException.class, () -> Compression.parse("int8-static+int8-dynamic", 6));
        assertThrows(IllegalArgumentException.class, () -> Compression.parse("layer-drop:3+structured-pruning:50", 6));
        assertThrows(IllegalArgumentException.class, () -> Compression.parse("structured-pruning:100", 6));
        assertEquals("structured-pruning:50+int8-static",
                Compression.canonical(Compression.parse("structured-pruning:50+int8-static", 6)));
    }

    @Test
    void measurementReportsLatencyAndPredictions(@TempDir Path scratch) {
        VariantMeasurement.Measurement measurement = VariantMeasurement.measure(classifier, tokenizerJson, MAX_LENGTH,
                data.texts.subList(45, 60), data.texts.subList(30, 40), 16, scratch,
                new VariantMeasurement.Reference(classifier, tokenizerJson));
        assertEquals(15, measurement.predictions().length);
        assertEquals(10, measurement.validationPredictions().length);
        // The same graph paired with itself: about as fast, and the error says how sure that is.
        assertEquals(16, measurement.relativeLatency().pairs());
        assertEquals(1.0, measurement.relativeLatency().ratio(), 0.3, measurement.relativeLatency().toString());
        assertTrue(measurement.relativeLatency().standardError() > 0, measurement.relativeLatency().toString());
        assertTrue(measurement.batch1().p50Millis() > 0 && measurement.batch1().p95Millis() >= measurement.batch1().p50Millis());
        assertTrue(measurement.batch32().p50Millis() > measurement.batch1().p50Millis());
        assertNotNull(measurement.peakMemoryBytes(), measurement.peakMemoryProblem());
        // Measured alone, the session holds at least its weights: the graph's own bytes, give or take.
        assertTrue(measurement.peakMemoryBytes() > classifier.length / 2 && measurement.peakMemoryBytes()
                < 6L * classifier.length + (64 << 20), measurement.peakMemoryBytes() + " for a graph of " + classifier.length);
    }
}
