package dev.bonsai.engine.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bonsai.engine.BaseModel;
import dev.bonsai.engine.SmallDataset;
import dev.bonsai.engine.runtime.Encoder;
import dev.bonsai.engine.text.TextTokenizer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Checkpoints that a later release can read: the format's round trip and refusals, the shuffle that
 * replaced java.util.Random, and training interrupted after an epoch (or, for an encoder, in the
 * middle of one, when its process is about to stop) and resumed from its checkpoint ending with
 * exactly the model of an uninterrupted run, for a head and for an encoder.
 */
class CheckpointsTest {

    private static final BaseModel MODEL = BaseModel.ALL_MINILM_L6_V2;

    private static SmallDataset data;
    private static float[][] embeddings;
    private static SoftmaxHead warmHead;
    private static byte[] baseGraph;

    /** Keeps the last checkpoint in memory. */
    private static final class Memory implements Checkpoints {
        byte[] saved;
        int saves;
        /** What {@link #requested()} answers: a process about to stop. */
        boolean stopping;
        final List<String> unreadable = new ArrayList<>();

        @Override
        public Optional<InputStream> open() {
            return saved == null ? Optional.empty() : Optional.of(new ByteArrayInputStream(saved));
        }

        @Override
        public void save(Writer writer) throws IOException {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            writer.writeTo(out);
            saved = out.toByteArray();
            saves++;
        }

        @Override
        public boolean requested() {
            return stopping;
        }

        @Override
        public void unreadable(String reason) {
            unreadable.add(reason);
        }
    }

    @BeforeAll
    static void load() throws Exception {
        data = new SmallDataset();
        try (Encoder encoder = Encoder.open(MODEL, new Encoder.Options(1, 16, 64))) {
            embeddings = encoder.embed(data.texts);
        }
        try (InputStream onnx = TextTokenizer.resource(MODEL.onnxResource())) {
            baseGraph = onnx.readAllBytes();
        }
        int[] y = data.labelArray(0, 45);
        warmHead = new HeadTrainer().train(Arrays.copyOfRange(embeddings, 0, 45), y, Arrays.copyOfRange(embeddings, 0, 45), y,
                SmallDataset.LABELS, HeadTrainer.resolve(20, 8, null, 1L, null, null, y, 3), (epoch, total) -> { },
                () -> false).head();
    }

    @Test
    void theShuffleDrawsWhatJavaUtilRandomDrew() {
        for (long seed : new long[] {0, 1, 42, -7, Long.MAX_VALUE, 0x5DEECE66DL}) {
            Random random = new Random(seed);
            Shuffle shuffle = Shuffle.seeded(seed);
            for (int bound : new int[] {1, 2, 3, 7, 64, 100, 1 << 20, 1_000_003, Integer.MAX_VALUE}) {
                for (int i = 0; i < 200; i++) {
                    assertEquals(random.nextInt(bound), shuffle.nextInt(bound), "seed " + seed + ", bound " + bound);
                }
            }
            Shuffle resumed = Shuffle.resumed(shuffle.state());
            assertEquals(random.nextInt(1000), resumed.nextInt(1000), "a resumed shuffle goes on where it stopped");
        }
    }

    @Test
    void theFormatReadsBackWhatItWroteAndRefusesWhatItCannotRead() throws Exception {
        Map<String, float[]> floats = new LinkedHashMap<>();
        floats.put("w", new float[] {1.5f, -0.0f, Float.MIN_VALUE, 3e38f});
        floats.put("empty", new float[0]);
        float[] large = new float[200_000];
        floats.put("large", large);
        for (int i = 0; i < large.length; i++) {
            large[i] = i * 0.25f;
        }
        Map<String, double[]> doubles = Map.of("m", new double[] {Math.PI, 1e-300, -2});
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CheckpointFormat.write(out, "head", Map.of("step", 12, "order", new int[] {2, 0, 1}), floats, doubles);
        byte[] bytes = out.toByteArray();

        CheckpointFormat.Contents contents = CheckpointFormat.read(new ByteArrayInputStream(bytes), "head");
        assertEquals(12, contents.figures().path("step").asInt());
        assertArrayEquals(new int[] {2, 0, 1}, CheckpointFormat.convert(contents.figures().path("order"), int[].class));
        assertArrayEquals(floats.get("w"), contents.floats("w"));
        assertArrayEquals(large, contents.floats("large"));
        assertEquals(0, contents.floats("empty").length);
        assertArrayEquals(doubles.get("m"), contents.doubles("m"));

        assertRefused(Arrays.copyOf(bytes, bytes.length - 3), "head", "cut short");
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
        assertRefused(longer, "head", "more than its header says");
        assertRefused(bytes, "encoder", "written by the head trainer");
        ByteArrayOutputStream serialized = new ByteArrayOutputStream();
        try (ObjectOutputStream objects = new ObjectOutputStream(serialized)) {
            objects.writeObject(new int[] {1, 2, 3});
        }
        assertRefused(serialized.toByteArray(), "head", "earlier version of Bonsai");
        assertRefused("not a checkpoint".getBytes(), "head", "not a Bonsai checkpoint");
        String other = new String(bytes, 0, 200, java.nio.charset.StandardCharsets.ISO_8859_1).replace("\"version\":1", "\"version\":9");
        byte[] newer = bytes.clone();
        System.arraycopy(other.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), 0, newer, 0, 200);
        assertRefused(newer, "head", "checkpoint format 9");
    }

    private static void assertRefused(byte[] bytes, String trainer, String because) {
        CheckpointFormat.Unreadable refused = assertThrows(CheckpointFormat.Unreadable.class,
                () -> CheckpointFormat.read(new ByteArrayInputStream(bytes), trainer));
        assertTrue(refused.getMessage().contains(because), refused.getMessage());
    }

    @Test
    void aHeadResumedFromItsCheckpointEndsAsAnUninterruptedOne() {
        float[][] x = Arrays.copyOfRange(embeddings, 0, 45);
        int[] y = data.labelArray(0, 45);
        float[][] vx = Arrays.copyOfRange(embeddings, 45, 60);
        int[] vy = data.labelArray(45, 60);
        HeadTrainer.Settings settings = HeadTrainer.resolve(6, 8, null, 3L, 100, null, y, 3);
        HeadTrainer.Result whole = new HeadTrainer().train(x, y, vx, vy, SmallDataset.LABELS, settings, (e, t) -> { },
                () -> false, new Memory());

        Memory memory = new Memory();
        int[] epochs = {0};
        assertThrows(HeadTrainer.CancelledException.class, () -> new HeadTrainer().train(x, y, vx, vy, SmallDataset.LABELS,
                settings, (e, t) -> epochs[0]++, () -> epochs[0] >= 2, memory));
        assertEquals(2, memory.saves, "interrupted after two epochs, each saved");
        HeadTrainer.Result resumed = new HeadTrainer().train(x, y, vx, vy, SmallDataset.LABELS, settings, (e, t) -> { },
                () -> false, memory);

        assertEquals(whole.bestEpoch(), resumed.bestEpoch());
        assertEquals(describe(whole.epochs()), describe(resumed.epochs()),
                "the same epochs, the first two read back from the checkpoint");
        assertTrue(Arrays.deepEquals(whole.head().weights(), resumed.head().weights()), "the same head, bit for bit");
        assertArrayEquals(whole.head().bias(), resumed.head().bias());
        assertTrue(memory.unreadable.isEmpty());
    }

    @Test
    void anEncoderResumedFromItsCheckpointEndsAsAnUninterruptedOne() {
        EncoderTrainer.Result whole = uninterruptedEncoder();

        Memory memory = new Memory();
        int[] epochs = {0};
        assertThrows(HeadTrainer.CancelledException.class, () -> trainEncoder((e, t) -> epochs[0]++, (s, t) -> { },
                () -> epochs[0] >= 1, memory));
        assertEquals(1, memory.saves);
        EncoderTrainer.Result resumed = trainEncoder((e, t) -> { }, (s, t) -> { }, () -> false, memory);

        assertEquals(describe(whole.epochs()), describe(resumed.epochs()));
        assertArrayEquals(whole.encoderGraph(), resumed.encoderGraph(), "the same encoder, bit for bit");
        assertTrue(Arrays.deepEquals(whole.head().weights(), resumed.head().weights()));
    }

    @Test
    void anEncoderStoppedInTheMiddleOfAnEpochGoesOnFromThatStepToTheSameModel() {
        EncoderTrainer.Result whole = uninterruptedEncoder();

        // 45 rows in batches of 8: six steps an epoch. The process is told to stop after step 9, in epoch 2.
        Memory memory = new Memory();
        long[] stepsTaken = {0};
        int[] epochsEnded = {0};
        assertThrows(HeadTrainer.CancelledException.class, () -> trainEncoder((e, t) -> epochsEnded[0]++, (step, total) -> {
                    stepsTaken[0] = step;
                    memory.stopping = step == 9;
                }, () -> memory.stopping, memory));
        assertEquals(1, epochsEnded[0]);
        assertEquals(9, stepsTaken[0]);
        assertEquals(2, memory.saves, "saved after epoch 1, and again before step 10 when told to stop");
        memory.stopping = false;
        long[] firstStep = {0};
        EncoderTrainer.Result resumed = trainEncoder((e, t) -> { }, (step, total) -> {
                    if (firstStep[0] == 0) {
                        firstStep[0] = step;
                    }
                }, () -> false, memory);

        assertEquals(10, firstStep[0], "the resumed run goes on with step 10, not with the start of epoch 2");
        assertEquals(describe(whole.epochs()), describe(resumed.epochs()), "epoch 2's loss sums the steps of both runs");
        assertArrayEquals(whole.encoderGraph(), resumed.encoderGraph(), "the same encoder, bit for bit");
        assertTrue(Arrays.deepEquals(whole.head().weights(), resumed.head().weights()));
        assertTrue(memory.unreadable.isEmpty());
    }

    /**
     * The contrastive trainer (embedding models) saves after each epoch: a run cancelled after epoch 1
     * and resumed ends with the uninterrupted run's encoder, bit for bit, and the same epochs.
     */
    @Test
    void anEmbeddingEncoderResumedFromItsCheckpointEndsAsAnUninterruptedOne() {
        ContrastiveTrainer.Pairs pairs = new ContrastiveTrainer.Pairs(dev.bonsai.engine.SmallPairs.anchors().subList(0, 16),
                dev.bonsai.engine.SmallPairs.positives().subList(0, 16), null);
        dev.bonsai.engine.evaluate.RetrievalMetrics.Task validation = dev.bonsai.engine.evaluate.RetrievalMetrics.Task.ofPairs(
                dev.bonsai.engine.SmallPairs.anchors().subList(16, 24), dev.bonsai.engine.SmallPairs.positives().subList(16, 24),
                null);
        EncoderTrainer.Settings settings = new EncoderTrainer.Settings(2, 8, 5e-5, 0.01, EncoderTrainer.DROPOUT, 5, 5, 2, 32,
                null);
        ContrastiveTrainer.Result whole = new ContrastiveTrainer().train(MODEL, baseGraph, pairs, validation, settings,
                (e, t) -> { }, (s, t) -> { }, () -> false, new Memory());

        Memory memory = new Memory();
        int[] epochs = {0};
        assertThrows(HeadTrainer.CancelledException.class, () -> new ContrastiveTrainer().train(MODEL, baseGraph, pairs,
                validation, settings, (e, t) -> epochs[0]++, (s, t) -> { }, () -> epochs[0] >= 1, memory));
        assertEquals(1, memory.saves);
        ContrastiveTrainer.Result resumed = new ContrastiveTrainer().train(MODEL, baseGraph, pairs, validation, settings,
                (e, t) -> { }, (s, t) -> { }, () -> false, memory);

        assertEquals(whole.epochs(), resumed.epochs());
        assertArrayEquals(whole.encoderGraph(), resumed.encoderGraph(), "the same encoder, bit for bit");
        assertTrue(memory.unreadable.isEmpty());
        // The encoder trainer refuses the contrastive trainer's checkpoint, and says so.
        Memory other = new Memory();
        other.saved = memory.saved;
        trainEncoder((e, t) -> { }, (s, t) -> { }, () -> false, other);
        assertEquals(1, other.unreadable.size(), other.unreadable.toString());
    }

    /** Two epochs of 45 rows in batches of 8 (six steps an epoch), two layers trained. */
    private static final EncoderTrainer.Settings ENCODER_SETTINGS = new EncoderTrainer.Settings(2, 8, 5e-5, 0.01,
            EncoderTrainer.DROPOUT, 5, 5, 2, 64, new double[] {1, 1, 1});
    private static EncoderTrainer.Result uninterrupted;

    /** The encoder trained on the first 45 rows without interruption, once for the tests that compare with it. */
    private static synchronized EncoderTrainer.Result uninterruptedEncoder() {
        if (uninterrupted == null) {
            uninterrupted = trainEncoder((e, t) -> { }, (s, t) -> { }, () -> false, new Memory());
        }
        return uninterrupted;
    }

    /** Trains the encoder with {@link #ENCODER_SETTINGS} on rows 0-44, validated on rows 45-59. */
    private static EncoderTrainer.Result trainEncoder(HeadTrainer.Listener epochs, EncoderTrainer.StepListener steps,
            java.util.function.BooleanSupplier cancelled, Checkpoints checkpoints) {
        return new EncoderTrainer().train(MODEL, baseGraph, data.texts.subList(0, 45), data.labelArray(0, 45),
                data.texts.subList(45, 60), data.labelArray(45, 60), SmallDataset.LABELS, warmHead, ENCODER_SETTINGS,
                epochs, steps, cancelled, checkpoints);
    }

    /** Epochs as text: their records hold arrays, which records compare by reference. */
    private static List<String> describe(List<HeadTrainer.Epoch> epochs) {
        return epochs.stream().map(e -> e.epoch() + " " + e.trainLoss() + " " + e.validationLoss() + " "
                + e.validation().accuracy() + " " + e.validation().macroF1() + " " + e.validation().perClass() + " "
                + Arrays.deepToString(e.validation().confusion())).toList();
    }

    @Test
    void aCheckpointOfAnEarlierFormatIsReportedAndTrainingStartsOver() throws Exception {
        Memory memory = new Memory();
        ByteArrayOutputStream serialized = new ByteArrayOutputStream();
        try (ObjectOutputStream objects = new ObjectOutputStream(serialized)) {
            objects.writeObject(new ArrayList<>(List.of("a state of an earlier release")));
        }
        memory.saved = serialized.toByteArray();
        float[][] x = Arrays.copyOfRange(embeddings, 0, 45);
        int[] y = data.labelArray(0, 45);
        HeadTrainer.Result result = new HeadTrainer().train(x, y, x, y, SmallDataset.LABELS,
                HeadTrainer.resolve(3, 8, null, 3L, 100, null, y, 3), (e, t) -> { }, () -> false, memory);
        assertEquals(3, result.epochs().size(), "all three epochs trained");
        assertEquals(List.of("it was written by an earlier version of Bonsai, in a format this version no longer reads"),
                memory.unreadable);
        assertNotNull(CheckpointFormat.read(new ByteArrayInputStream(memory.saved), "head"), "and saved in today's format");
    }
}
