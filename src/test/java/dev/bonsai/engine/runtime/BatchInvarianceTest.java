package dev.bonsai.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bonsai.engine.SmallClassifier;
import dev.bonsai.engine.compress.Compression;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A text's answer must not depend on the texts it is batched with: in the shared batcher those are
 * other tenants' texts. For every technique and chain, each text run alone is the reference, and
 * the same text inside random batch compositions (other texts, other padding lengths) must give
 * bit-identical probabilities and embeddings where the graph quantizes activations to int8, and
 * agree within 1e-6 where it computes in fp32.
 */
class BatchInvarianceTest {

    private static final long SEED = 20261201L;
    private static final int ROUNDS = 3;
    private static final float FP32_TOLERANCE = 1e-6f;

    private static SmallClassifier fixture;
    private static List<String> texts;

    @BeforeAll
    static void load() {
        fixture = SmallClassifier.get();
        texts = new ArrayList<>(fixture.data.texts);
        // Short, long (cut at the maximum length), upper case, and words the pruned vocabulary lacks.
        texts.add("Rain.");
        texts.add("Goal!");
        texts.add(String.join(" ", fixture.data.texts.subList(0, 6)));
        texts.add(fixture.data.texts.get(7).toUpperCase());
        texts.add("xylophone quarterback synthesizer");
        texts.add("Überraschung: café crème brûlée, naïve façade");
    }

    @Test
    void everyTechniqueAnswersATextAloneAsInAnyBatch() {
        Compression compression = fixture.compression((recipe, step, message) -> { });
        List<Object[]> candidates = new ArrayList<>();
        candidates.add(new Object[] {"original", fixture.classifier, fixture.tokenizerJson});
        for (String recipe : List.of("int8-dynamic", "int8-static", "fp16", "vocabulary-pruning",
                "vocabulary-pruning+int8-dynamic", "vocabulary-pruning+int8-static", "layer-drop:2+int8-dynamic",
                "layer-drop:2+vocabulary-pruning+fp16", "structured-pruning:25+int8-dynamic",
                "structured-pruning:25+vocabulary-pruning+int8-static")) {
            Compression.Variant variant = compression.apply(recipe);
            candidates.add(new Object[] {recipe, variant.graph(), variant.tokenizerJson()});
        }
        for (Object[] candidate : candidates) {
            String recipe = (String) candidate[0];
            boolean int8 = recipe.contains("int8");
            try (ClassifierRunner runner = ClassifierRunner.open((byte[]) candidate[1], (byte[]) candidate[2],
                    SmallClassifier.MAX_LENGTH, 1)) {
                List<ClassifierRunner.Output> alone = new ArrayList<>();
                for (String text : texts) {
                    alone.add(runner.run(List.of(text)));
                }
                Random random = new Random(SEED);
                for (int round = 0; round < ROUNDS; round++) {
                    List<Integer> order = new ArrayList<>();
                    for (int i = 0; i < texts.size(); i++) {
                        order.add(i);
                    }
                    Collections.shuffle(order, random);
                    for (int start = 0; start < order.size(); ) {
                        int size = Math.min(order.size() - start, 2 + random.nextInt(15));
                        List<Integer> batch = order.subList(start, start + size);
                        ClassifierRunner.Output output = runner.run(batch.stream().map(texts::get).toList());
                        for (int row = 0; row < size; row++) {
                            int text = batch.get(row);
                            String where = recipe + ": text " + text + " in round " + round + " at row " + row + " of " + size;
                            ClassifierRunner.Output reference = alone.get(text);
                            if (int8) {
                                assertArrayEquals(reference.probabilities()[0], output.probabilities()[row], 0f, where);
                                assertArrayEquals(reference.embeddings()[0], output.embeddings()[row], 0f, where);
                            } else {
                                assertArrayEquals(reference.probabilities()[0], output.probabilities()[row], FP32_TOLERANCE, where);
                                assertArrayEquals(reference.embeddings()[0], output.embeddings()[row], FP32_TOLERANCE, where);
                            }
                        }
                        start += size;
                    }
                }
            }
        }
        assertEquals(11, candidates.size());
    }
}
