package dev.bonsai.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bonsai.engine.runtime.OnnxModelInfo;
import dev.bonsai.engine.text.TextTokenizer;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The catalogue's figures are the packaged files' own, and the tokenizers are the real ones. */
class BaseModelTest {

    @ParameterizedTest
    @EnumSource(BaseModel.class)
    void declaredFiguresMatchTheOnnxGraph(BaseModel model) throws Exception {
        OnnxModelInfo info;
        try (InputStream onnx = TextTokenizer.resource(model.onnxResource())) {
            info = OnnxModelInfo.read(onnx);
        }
        assertEquals(model.parameters(), info.parameters(), model.id() + " parameters");
        assertEquals(model.layers(), info.layers(), model.id() + " layers");
        assertEquals(model.dimensions(), info.hiddenSize(), model.id() + " hidden size");
    }

    @Test
    void tokenizerMatchesTheReferenceIds() {
        try (TextTokenizer tokenizer = TextTokenizer.open(BaseModel.ALL_MINILM_L6_V2)) {
            assertArrayEquals(new long[] {101, 7592, 2088, 999, 102}, tokenizer.ids("Hello world!"));
            int[] counts = tokenizer.countTokens(List.of("Hello world!", "a " + "word ".repeat(300)));
            assertEquals(5, counts[0]);
            assertTrue(counts[1] > 300, "no truncation when counting");
        }
    }

    @Test
    void automaticLengthHoldsTheShareOfTextsAskedFor() {
        List<String> texts = new java.util.ArrayList<>();
        for (int i = 0; i < 99; i++) {
            texts.add("short text number " + i); // 6 tokens with [CLS] and [SEP]
        }
        texts.add("word ".repeat(100)); // 102 tokens
        try (TextTokenizer tokenizer = TextTokenizer.open(BaseModel.ALL_MINILM_L6_V2)) {
            assertEquals(16, tokenizer.lengthCovering(texts, 0.99, 16, 256), "the one long text is cut");
            assertEquals(112, tokenizer.lengthCovering(texts, 1.0, 16, 256), "every text whole, in steps of 16");
            assertEquals(64, tokenizer.lengthCovering(texts, 1.0, 16, 64), "never past the model's limit");
            assertEquals(16, tokenizer.lengthCovering(List.of(), 0.99, 16, 256));
        }
    }

    @Test
    void chineseTokenizerSplitsCharacters() {
        try (TextTokenizer tokenizer = TextTokenizer.open(BaseModel.BGE_SMALL_ZH_V15)) {
            assertEquals(2 + 4, tokenizer.countTokens(List.of("服务很好"))[0]);
        }
    }
}
