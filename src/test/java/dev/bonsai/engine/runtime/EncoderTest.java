package dev.bonsai.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bonsai.engine.BaseModel;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

public class EncoderTest {

    private static Encoder encoder;

    @BeforeAll
    static void open() {
        encoder = Encoder.open(BaseModel.ALL_MINILM_L6_V2, new Encoder.Options(1, 4, 128));
    }

    @AfterAll
    static void close() {
        encoder.close();
    }

    @Test
    void embeddingsHaveUnitLength() {
        float[][] embeddings = encoder.embed(List.of("Hello world!", "A second, somewhat longer sentence to embed."));
        assertEquals(2, embeddings.length);
        for (float[] embedding : embeddings) {
            assertEquals(384, embedding.length);
            assertEquals(1.0, Math.sqrt(dot(embedding, embedding)), 1e-5);
        }
    }

    @Test
    void paddingAndBatchingDoNotChangeAnEmbedding() {
        String text = "The storm flooded the valley roads.";
        float[] alone = encoder.embed(List.of(text))[0];
        // In a batch with a much longer text, this one is padded; batches of 4 split the list.
        float[][] batched = encoder.embed(List.of("short", text, "a much longer sentence that forces a lot of padding onto"
                + " the shorter ones in the same batch of texts", "x", "y", text));
        assertEquals(1.0, dot(alone, batched[1]), 1e-5);
        assertEquals(1.0, dot(alone, batched[5]), 1e-5);
    }

    @Test
    void similarMeaningsAreCloser() {
        float[][] e = encoder.embed(List.of("It is raining heavily today.", "Heavy rain is falling this afternoon.",
                "The chef baked fresh bread."));
        assertTrue(dot(e[0], e[1]) > dot(e[0], e[2]) + 0.2, "paraphrases are closer than unrelated sentences");
    }

    public static double dot(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }
}
