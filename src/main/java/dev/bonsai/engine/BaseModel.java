package dev.bonsai.engine;

import dev.bonsai.engine.runtime.Pooling;
import dev.bonsai.engine.text.TextTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Optional;

/**
 * The shared base models Bonsai fine-tunes from. Their ONNX graphs and tokenizers are classpath
 * resources (packaged model jars). Figures are the models' own: {@code parameters} counts every
 * initializer element of the ONNX graph (a test checks it against the file).
 */
public enum BaseModel {
    ALL_MINILM_L6_V2("all-minilm-l6-v2", "all-MiniLM-L6-v2", "en", 384, 6, 22_565_888L, 256,
            "Apache-2.0", "sentence-transformers/all-MiniLM-L6-v2", "all-minilm-l6-v2.onnx",
            "all-minilm-l6-v2-tokenizer.json", Pooling.MEAN),
    BGE_SMALL_EN_V15("bge-small-en-v1.5", "BGE small English v1.5", "en", 384, 12, 33_212_160L, 512,
            "MIT", "BAAI/bge-small-en-v1.5", "bge-small-en-v1.5.onnx", "bge-small-en-v1.5-tokenizer.json", Pooling.CLS),
    BGE_SMALL_ZH_V15("bge-small-zh-v1.5", "BGE small Chinese v1.5", "zh", 512, 4, 23_691_264L, 512,
            "MIT", "BAAI/bge-small-zh-v1.5", "bge-small-zh-v1.5.onnx", "bge-small-zh-v1.5-tokenizer.json", Pooling.CLS);

    /** How token embeddings become one sentence embedding. */
    public enum Pooling {
        /** Mean over the attention mask, then L2 normalisation. */
        MEAN,
        /** The first ([CLS]) token, then L2 normalisation. */
        CLS
    }

    private final String id;
    private final String displayName;
    private final String language;
    private final int dimensions;
    private final int layers;
    private final long parameters;
    private final int maxSequenceLength;
    private final String licence;
    private final String source;
    private final String onnxResource;
    private final String tokenizerResource;
    private final Pooling pooling;

    BaseModel(String id, String displayName, String language, int dimensions, int layers, long parameters,
            int maxSequenceLength, String licence, String source, String onnxResource, String tokenizerResource,
            Pooling pooling) {
        this.id = id;
        this.displayName = displayName;
        this.language = language;
        this.dimensions = dimensions;
        this.layers = layers;
        this.parameters = parameters;
        this.maxSequenceLength = maxSequenceLength;
        this.licence = licence;
        this.source = source;
        this.onnxResource = onnxResource;
        this.tokenizerResource = tokenizerResource;
        this.pooling = pooling;
    }

    public static Optional<BaseModel> byId(String id) {
        return Arrays.stream(values()).filter(model -> model.id.equals(id)).findFirst();
    }

    public String id() {
        return id;
    }

    public String displayName() {
        return displayName;
    }

    /** ISO 639-1 code of the language the model was trained for. */
    public String language() {
        return language;
    }

    /** Width of the sentence embedding. */
    public int dimensions() {
        return dimensions;
    }

    /** Number of transformer layers. */
    public int layers() {
        return layers;
    }

    public long parameters() {
        return parameters;
    }

    /** Longest input in tokens, special tokens included; longer texts are truncated. */
    public int maxSequenceLength() {
        return maxSequenceLength;
    }

    public String licence() {
        return licence;
    }

    /** Where the weights were published. */
    public String source() {
        return source;
    }

    /** Classpath resource of the fp32 ONNX graph. */
    public String onnxResource() {
        return onnxResource;
    }

    /** The fp32 ONNX graph's bytes, read from the classpath. */
    public byte[] readGraph() throws IOException {
        try (InputStream onnx = TextTokenizer.resource(onnxResource)) {
            return onnx.readAllBytes();
        }
    }

    /** Classpath resource of the Hugging Face tokenizer.json. */
    public String tokenizerResource() {
        return tokenizerResource;
    }

    public Pooling pooling() {
        return pooling;
    }
}
