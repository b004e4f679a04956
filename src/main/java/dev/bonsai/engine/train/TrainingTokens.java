package dev.bonsai.engine.train;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.bonsai.engine.BaseModel;
import dev.bonsai.engine.text.TextTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Texts as the DJL encoder takes them: the base model's tokenizer, batches of token tensors, and embeddings. */
public final class TrainingTokens {

    private TrainingTokens() {
    }

    /** The base model's tokenizer, truncating and padding to {@code maxLength} (at most the model's). */
    public static HuggingFaceTokenizer tokenizer(BaseModel model, int maxLength) {
        try (InputStream json = TextTokenizer.resource(model.tokenizerResource())) {
            return HuggingFaceTokenizer.newInstance(json, Map.of("truncation", "true", "padding", "true", "maxLength",
                    Integer.toString(Math.min(maxLength, model.maxSequenceLength())), "addSpecialTokens", "true"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Token ids, attention mask and token types of {@code texts}, {@code [texts][length]} each. */
    public static NDArray[] tokens(NDManager step, HuggingFaceTokenizer tokenizer, List<String> texts) {
        Encoding[] encodings = tokenizer.batchEncode(texts);
        int rows = encodings.length;
        int columns = encodings[0].getIds().length;
        long[] ids = new long[rows * columns];
        long[] mask = new long[rows * columns];
        long[] types = new long[rows * columns];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(encodings[i].getIds(), 0, ids, i * columns, columns);
            System.arraycopy(encodings[i].getAttentionMask(), 0, mask, i * columns, columns);
            System.arraycopy(encodings[i].getTypeIds(), 0, types, i * columns, columns);
        }
        Shape shape = new Shape(rows, columns);
        return new NDArray[] {step.create(ids, shape), step.create(mask, shape), step.create(types, shape)};
    }

    /** Sentence embeddings of {@code texts} with the current weights, without recording gradients. */
    public static float[][] embed(NDManager manager, DjlEncoder encoder, HuggingFaceTokenizer tokenizer, List<String> texts,
            int batchSize) {
        float[][] result = new float[texts.size()][];
        try (Autograd.GradMode notRecording = Autograd.off()) {
            for (int start = 0; start < texts.size(); start += batchSize) {
                List<String> batch = texts.subList(start, Math.min(texts.size(), start + batchSize));
                try (NDManager step = manager.newSubManager()) {
                    NDArray[] tokens = tokens(step, tokenizer, batch);
                    NDArray embeddings = encoder.embed(step, tokens[0], tokens[1], tokens[2]).stopGradient();
                    embeddings.attach(step);
                    long dimensions = embeddings.getShape().get(1);
                    float[] flat = embeddings.toFloatArray();
                    for (int i = 0; i < batch.size(); i++) {
                        result[start + i] = Arrays.copyOfRange(flat, (int) (i * dimensions), (int) ((i + 1) * dimensions));
                    }
                }
            }
        }
        return result;
    }
}
