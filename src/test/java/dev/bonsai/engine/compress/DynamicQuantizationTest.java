package dev.bonsai.engine.compress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bonsai.engine.BaseModel;
import dev.bonsai.engine.runtime.Encoder;
import dev.bonsai.engine.runtime.EncoderTest;
import dev.bonsai.engine.text.TextTokenizer;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Our int8 graph against fp32 and against the reference int8 model made by ONNX Runtime's own
 * quantizer (the base model's "-q" jar), on 240 varied generated sentences.
 */
class DynamicQuantizationTest {

    private static final BaseModel MODEL = BaseModel.ALL_MINILM_L6_V2;
    private static List<String> sentences;
    private static byte[] fp32;

    /** Cosine similarity to fp32 embeddings of the same texts: mean and minimum. */
    record Agreement(double mean, double min) {
    }

    @BeforeAll
    static void load() throws Exception {
        try (InputStream onnx = TextTokenizer.resource(MODEL.onnxResource())) {
            fp32 = onnx.readAllBytes();
        }
        sentences = varied();
    }

    static List<String> varied() {
        String[] subjects = {"The committee", "My neighbour's dog", "A tired engineer", "This small café", "The new phone",
            "Our football team", "The museum guide", "A heavy storm"};
        String[] verbs = {"quietly approved", "barely survived", "completely ignored", "happily reviewed", "suddenly cancelled",
            "slowly rebuilt"};
        String[] objects = {"the budget for next year.", "a long and confusing meeting!", "every complaint we sent",
            "the broken bridge near the river?", "its famous chocolate cake", "the last train home tonight"};
        List<String> texts = new ArrayList<>();
        for (int i = 0; texts.size() < 240; i++) {
            String sentence = subjects[i % subjects.length] + " " + verbs[(i / 3) % verbs.length] + " "
                    + objects[(i / 7) % objects.length];
            texts.add(i % 5 == 0 ? sentence.toUpperCase() : i % 7 == 0 ? sentence + " Really, truly, " + i + " times." : sentence);
        }
        return texts;
    }

    static Agreement agreement(byte[] candidate) {
        Encoder.Options options = new Encoder.Options(1, 32, 128);
        float[][] reference;
        float[][] other;
        try (Encoder full = Encoder.open(MODEL, fp32, options); Encoder quantized = Encoder.open(MODEL, candidate, options)) {
            reference = full.embed(sentences);
            other = quantized.embed(sentences);
        }
        double sum = 0;
        double min = 1;
        for (int i = 0; i < sentences.size(); i++) {
            double cosine = EncoderTest.dot(reference[i], other[i]);
            sum += cosine;
            min = Math.min(min, cosine);
        }
        return new Agreement(sum / sentences.size(), min);
    }

    @Test
    void int8GraphAgreesWithFp32AtLeastAsWellAsTheReference() throws Exception {
        DynamicQuantization.Result result = DynamicQuantization.quantize(fp32);
        assertEquals(MODEL.layers() * 6, result.report().matMulsQuantized(), "six weight MatMuls per layer");
        assertTrue(result.report().embeddingsQuantized());
        assertTrue(result.report().bytesAfter() < 0.3 * result.report().bytesBefore(),
                "int8 is under 30% of fp32: " + result.report());

        byte[] reference;
        try (InputStream onnx = TextTokenizer.resource("all-minilm-l6-v2-q.onnx")) {
            reference = onnx.readAllBytes();
        }
        Agreement ours = agreement(result.graph());
        Agreement theirs = agreement(reference);
        System.out.printf("cosine to fp32 over %d sentences: ours mean %.4f min %.4f (%d bytes); reference mean %.4f min %.4f (%d bytes)%n",
                sentences.size(), ours.mean(), ours.min(), result.graph().length, theirs.mean(), theirs.min(), reference.length);
        assertTrue(ours.mean() >= theirs.mean(), "mean cosine " + ours + " vs reference " + theirs);
        assertTrue(ours.min() >= theirs.min(), "min cosine " + ours + " vs reference " + theirs);
    }
}
