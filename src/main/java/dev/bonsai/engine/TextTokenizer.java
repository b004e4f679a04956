package dev.bonsai.engine;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
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

    /** Token ids of one text, special tokens included, untruncated. */
    public long[] ids(String text) {
        return tokenizer.encode(text).getIds();
    }

    static InputStream resource(String name) throws IOException {
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
