package dev.bonsai.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.bonsai.dataset.DatasetTexts;
import dev.bonsai.dataset.Split;
import dev.bonsai.engine.BaseModel;
import dev.bonsai.engine.runtime.Encoder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The embedding cache is keyed by what is embedded, so two readings of one file never share embeddings. */
class EmbeddingCacheKeyTest {

    private static final Encoder.Options LENGTH_64 = new Encoder.Options(1, 32, 64);

    private static DatasetTexts.Rows rows(String fileSha256, String... texts) {
        return new DatasetTexts.Rows(List.of(texts), List.of(texts).stream().map(text -> "label").toList(),
                List.of(texts).stream().map(text -> Split.TRAIN).toList(), fileSha256);
    }

    @Test
    void theKeyFollowsTheTextsNotTheFile() {
        String file = "a".repeat(64);
        String key = EmbeddingCache.key(BaseModel.ALL_MINILM_L6_V2, LENGTH_64, rows(file, "first text", "second text"));
        assertEquals(key, EmbeddingCache.key(BaseModel.ALL_MINILM_L6_V2, LENGTH_64, rows("b".repeat(64), "first text",
                "second text")), "the same texts from another file share embeddings");
        assertNotEquals(key, EmbeddingCache.key(BaseModel.ALL_MINILM_L6_V2, LENGTH_64, rows(file, "first column", "other")),
                "the same file read through another text column does not");
        assertNotEquals(key, EmbeddingCache.key(BaseModel.ALL_MINILM_L6_V2, LENGTH_64, rows(file, "first textsecond", " text")),
                "texts are kept apart, not concatenated");
        assertNotEquals(key, EmbeddingCache.key(BaseModel.ALL_MINILM_L6_V2, new Encoder.Options(1, 32, 128),
                rows(file, "first text", "second text")));
        assertNotEquals(key, EmbeddingCache.key(BaseModel.BGE_SMALL_EN_V15, LENGTH_64, rows(file, "first text", "second text")));
    }
}
