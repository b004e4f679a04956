package dev.bonsai.engine.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bonsai.engine.BaseModel;
import dev.bonsai.engine.SmallPairs;
import dev.bonsai.engine.evaluate.RetrievalMetrics;
import dev.bonsai.engine.graph.ClassifierExport;
import dev.bonsai.engine.runtime.ClassifierRunner;
import dev.bonsai.engine.runtime.Encoder;
import dev.bonsai.engine.text.TextTokenizer;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Contrastive training of the encoder: its batches, that it learns what the pairs say, and the exported graph. */
class ContrastiveTrainerTest {

    private static final BaseModel MODEL = BaseModel.ALL_MINILM_L6_V2;

    @Test
    void noBatchRepeatsAnAnchorOrAPositiveAndEveryPairTrainsOnce() {
        List<String> anchors = List.of("q1", "q1", "q2", "q3", "q3", "q4", "q5", "q6");
        List<String> positives = List.of("a", "b", "a", "d", "c", "e", "f", "a");
        ContrastiveTrainer.Pairs pairs = new ContrastiveTrainer.Pairs(anchors, positives, null);
        int[] order = IntStream.range(0, anchors.size()).toArray();
        List<int[]> batches = ContrastiveTrainer.batches(pairs, order, 3);
        List<Integer> seen = new ArrayList<>();
        for (int[] batch : batches) {
            assertTrue(batch.length >= 1 && batch.length <= 3, Arrays.toString(batch));
            Set<String> batchAnchors = new HashSet<>();
            Set<String> batchPositives = new HashSet<>();
            for (int row : batch) {
                assertTrue(batchAnchors.add(anchors.get(row)), "anchor repeated in " + Arrays.toString(batch));
                assertTrue(batchPositives.add(positives.get(row)), "positive repeated in " + Arrays.toString(batch));
                seen.add(row);
            }
        }
        seen.sort(null);
        assertEquals(IntStream.range(0, anchors.size()).boxed().toList(), seen);
    }

    /**
     * Pairs whose answers are shifted by one (each question paired with another question's answer): the
     * base model cannot know them, so retrieving them on the training pairs is what training taught.
     */
    @Test
    void trainingTeachesTheEncoderItsPairsAndTheExportEmbedsAsTheTrainerDid() throws Exception {
        List<String> anchors = SmallPairs.anchors().subList(0, 16);
        List<String> positives = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            positives.add(SmallPairs.positives().get((i + 1) % 16));
        }
        ContrastiveTrainer.Pairs pairs = new ContrastiveTrainer.Pairs(anchors, positives, null);
        RetrievalMetrics.Task task = RetrievalMetrics.Task.ofPairs(anchors, positives, null);
        byte[] graph;
        try (InputStream onnx = TextTokenizer.resource(MODEL.onnxResource())) {
            graph = onnx.readAllBytes();
        }
        Encoder.Options options = new Encoder.Options(1, 16, 32);
        RetrievalMetrics before;
        try (Encoder base = Encoder.open(MODEL, graph, options)) {
            before = RetrievalMetrics.of(base.embed(task.queries()), base.embed(task.documents()), task.relevant());
        }
        EncoderTrainer.Settings settings = new EncoderTrainer.Settings(6, 16, 1e-4, 0.01, 0.1, 3L, 6, MODEL.layers(), 32, null);
        List<ContrastiveTrainer.Epoch> epochs = new ArrayList<>();
        ContrastiveTrainer.Result result = new ContrastiveTrainer().train(MODEL, graph, pairs, task, settings,
                (epoch, total) -> epochs.add(epoch), (step, total) -> { }, () -> false, Checkpoints.NONE);

        assertEquals(6, result.epochs().size());
        assertTrue(epochs.get(epochs.size() - 1).trainLoss() < epochs.get(0).trainLoss() * 0.5,
                "the loss fell: " + epochs.stream().map(ContrastiveTrainer.Epoch::trainLoss).toList());
        RetrievalMetrics best = result.epochs().get(result.bestEpoch() - 1).validation();
        assertTrue(before.mrrAt10() < 0.5, "the base model does not know the shifted pairs: " + before);
        assertTrue(best.mrrAt10() > before.mrrAt10() + 0.3, "MRR@10 " + before.mrrAt10() + " → " + best.mrrAt10());

        // The exported graph embeds as the trained encoder does (ONNX Runtime on both), and its figures are the trainer's.
        byte[] exported = ClassifierExport.exportEmbedder(result.encoderGraph(), MODEL, Map.of("bonsai.task", "embedding"));
        byte[] tokenizer;
        try (InputStream json = TextTokenizer.resource(MODEL.tokenizerResource())) {
            tokenizer = json.readAllBytes();
        }
        try (Encoder trained = Encoder.open(MODEL, result.encoderGraph(), options);
                ClassifierRunner runner = ClassifierRunner.open(exported, tokenizer, 32, 1)) {
            float[][] viaEncoder = trained.embed(task.queries());
            ClassifierRunner.Output output = runner.runAll(task.queries(), 16);
            assertEquals(0, output.probabilities()[0].length, "an embedding graph has no probabilities");
            for (int i = 0; i < viaEncoder.length; i++) {
                assertArrayEquals(viaEncoder[i], output.embeddings()[i], 1e-5f);
                double norm = 0;
                for (float value : output.embeddings()[i]) {
                    norm += value * value;
                }
                assertEquals(1.0, Math.sqrt(norm), 1e-5);
            }
            RetrievalMetrics exportedFigures = RetrievalMetrics.of(output.embeddings(), runner.runAll(task.documents(), 16)
                    .embeddings(), task.relevant());
            assertEquals(best.mrrAt10(), exportedFigures.mrrAt10(), 0.02, "the exported graph retrieves as the trainer measured");
        }
    }
}
