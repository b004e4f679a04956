package dev.bonsai.engine.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.bonsai.engine.BaseModel;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A base model's tokenizer (the Rust Hugging Face implementation). Thread-safe. Owns a native
 * handle: whoever opens one closes it.
 */
public final class TextTokenizer implements AutoCloseable {

    static {
        // Never reach for the network: the native library is inside the tokenizers jar.
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
    }

    private final HuggingFaceTokenizer tokenizer;

    private TextTokenizer(HuggingFaceTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Loads the tokenizer of {@code model} from the classpath, without truncation or padding. */
    public static TextTokenizer open(BaseModel model) {
        try (InputStream json = resource(model.tokenizerResource())) {
            return new TextTokenizer(HuggingFaceTokenizer.newInstance(json,
                    Map.of("truncation", "false", "padding", "false", "addSpecialTokens", "true")));
        } catch (IOException e) {
            throw new UncheckedIOException("could not load the tokenizer of " + model.id(), e);
        }
    }

    /**
     * Number of tokens of each text as the model would see it untruncated, special tokens
     * ([CLS], [SEP]) included.
     */
    public int[] countTokens(List<String> texts) {
        Encoding[] encodings = tokenizer.batchEncode(texts);
        int[] counts = new int[encodings.length];
        for (int i = 0; i < encodings.length; i++) {
            counts[i] = encodings[i].getIds().length;
        }
        return counts;
    }

    /**
     * The shortest length, a multiple of {@code step} and at most {@code max}, that holds every
     * token of at least {@code share} of {@code texts} (special tokens included): the automatic
     * maximum sequence length. Padding and attention cost grow with the length, so a length
     * fitted to the texts, not the model's limit, is what keeps training and serving fast.
     */
    public int lengthCovering(List<String> texts, double share, int step, int max) {
        if (texts.isEmpty()) {
            return Math.min(max, step);
        }
        int[] counts = new int[texts.size()];
        int chunk = 1024;
        for (int start = 0; start < texts.size(); start += chunk) {
            int[] part = countTokens(texts.subList(start, Math.min(texts.size(), start + chunk)));
            System.arraycopy(part, 0, counts, start, part.length);
        }
        Arrays.sort(counts);
        int covering = counts[Math.max(0, (int) Math.ceil(share * counts.length) - 1)];
        int length = Math.max(step, (covering + step - 1) / step * step);
        return Math.min(max, length);
    }

    /** Token ids of one text, special tokens included, untruncated. */
    public long[] ids(String text) {
        return tokenizer.encode(text).getIds();
    }

    public static InputStream resource(String name) throws IOException {
        InputStream stream = Thread.currentThread().getContextClassLoader().getResourceAsStream(name);
        if (stream == null) {
            stream = TextTokenizer.class.getClassLoader().getResourceAsStream(name);
        }
        if (stream == null) {
            throw new IOException("resource " + name + " is not on the classpath");
        }
        return stream;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
