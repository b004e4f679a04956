package dev.bonsai.engine.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.bonsai.engine.runtime.ClassifierRunner;
import java.util.Arrays;
import java.util.List;

/**
 * How a variant's own tokenizer (a pruned vocabulary) reads texts differently from the base
 * model's: of texts it never saw, how many are split into other pieces, and how many of their
 * tokens became {@code [UNK]} that the base tokenizer knew. What vocabulary pruning costs on new
 * text shows here before it shows in accuracy.
 */
public final class TokenizationChange {

    private static final int BATCH = 64;

    /**
     * @param texts texts the variant's tokenizer never saw (a test split)
     * @param changedTexts of them, those tokenized into other pieces
     * @param tokens tokens the base tokenizer makes of them (special tokens included)
     * @param newUnknownTokens {@code [UNK]} tokens the variant's tokenizer makes beyond the base tokenizer's
     */
    public record Report(int texts, int changedTexts, double changedTextShare, long tokens, long newUnknownTokens,
            double newUnknownShare) {
    }

    private TokenizationChange() {
    }

    public static Report measure(byte[] baseTokenizerJson, byte[] variantTokenizerJson, int maxLength, List<String> texts) {
        int changed = 0;
        long tokens = 0;
        long unknown = 0;
        try (HuggingFaceTokenizer base = ClassifierRunner.tokenizer(baseTokenizerJson, maxLength);
                HuggingFaceTokenizer variant = ClassifierRunner.tokenizer(variantTokenizerJson, maxLength)) {
            for (int start = 0; start < texts.size(); start += BATCH) {
                List<String> batch = texts.subList(start, Math.min(texts.size(), start + BATCH));
                Encoding[] before = base.batchEncode(batch);
                Encoding[] after = variant.batchEncode(batch);
                for (int i = 0; i < batch.size(); i++) {
                    String[] was = real(before[i]);
                    String[] is = real(after[i]);
                    tokens += was.length;
                    if (!Arrays.equals(was, is)) {
                        changed++;
                    }
                    unknown += Math.max(0, unknowns(is) - unknowns(was));
                }
            }
        }
        return new Report(texts.size(), changed, share(changed, texts.size()), tokens, unknown, share(unknown, tokens));
    }

    /** The tokens of an encoding without its padding. */
    private static String[] real(Encoding encoding) {
        return Arrays.copyOf(encoding.getTokens(), LengthBuckets.realTokens(encoding));
    }

    private static int unknowns(String[] tokens) {
        int count = 0;
        for (String token : tokens) {
            if (token.equals("[UNK]")) {
                count++;
            }
        }
        return count;
    }

    private static double share(long part, long whole) {
        return whole == 0 ? 0 : Math.round(part * 1e6 / whole) / 1e6;
    }
}
