package dev.bonsai.engine.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Splits a batch's rows into groups padded to a length that depends on each row's own length only:
 * its real tokens rounded up to a multiple of {@link #MULTIPLE}, at most the maximum length. A
 * kernel's summation order can change with the padded length (vectorised softmax and reductions
 * treat the last, partial block of a row differently), so padding every row to the longest text of
 * the batch would make a text's output depend on the other texts it was sent with, in the shared
 * batcher other tenants' texts. Within a group all rows have the same shape, and every operation
 * of the encoder is row-wise, so a text gets the same output alone as in any batch. Grouping also
 * spends less work on padding than padding all to the longest.
 */
public final class LengthBuckets {

    static final int MULTIPLE = 8;

    /** Rows of the batch ({@code rows}, in the caller's order) and their tokens, each {@code [rows, length]}. */
    public record Group(int[] rows, long[][] ids, long[][] attentionMask, long[][] typeIds) {
    }

    private LengthBuckets() {
    }

    /** The padded length of a row with {@code tokens} real tokens. */
    static int paddedLength(int tokens, int maxLength) {
        int rounded = (Math.max(tokens, 1) + MULTIPLE - 1) / MULTIPLE * MULTIPLE;
        return Math.max(tokens, Math.min(rounded, maxLength));
    }

    /**
     * Groups right-padded encodings (as the tokenizer gives them, padded to the longest) by padded
     * length, shortest first; {@code padId} fills positions past the tokenizer's own padding (their
     * attention mask is 0, so they never reach a real token's output).
     */
    public static List<Group> group(Encoding[] encodings, int maxLength, long padId) {
        Map<Integer, List<Integer>> byLength = new TreeMap<>();
        for (int row = 0; row < encodings.length; row++) {
            byLength.computeIfAbsent(paddedLength(realTokens(encodings[row]), maxLength), length -> new ArrayList<>())
                    .add(row);
        }
        List<Group> groups = new ArrayList<>();
        byLength.forEach((length, rows) -> {
            long[][] ids = new long[rows.size()][];
            long[][] mask = new long[rows.size()][];
            long[][] types = new long[rows.size()][];
            for (int i = 0; i < rows.size(); i++) {
                Encoding encoding = encodings[rows.get(i)];
                ids[i] = resize(encoding.getIds(), length, padId);
                mask[i] = resize(encoding.getAttentionMask(), length, 0);
                types[i] = resize(encoding.getTypeIds(), length, 0);
            }
            groups.add(new Group(rows.stream().mapToInt(Integer::intValue).toArray(), ids, mask, types));
        });
        return groups;
    }

    /** The id a padding tokenizer puts after a short text (0 when it cannot be seen, as for BERT's [PAD]). */
    public static long padId(HuggingFaceTokenizer tokenizer) {
        Encoding[] probe = tokenizer.batchEncode(List.of("a", "a a a a a a a a"));
        long[] mask = probe[0].getAttentionMask();
        return mask.length > 0 && mask[mask.length - 1] == 0 ? probe[0].getIds()[mask.length - 1] : 0L;
    }

    public static int realTokens(Encoding encoding) {
        int count = 0;
        for (long value : encoding.getAttentionMask()) {
            count += (int) value;
        }
        return count;
    }

    private static long[] resize(long[] values, int length, long fill) {
        long[] resized = new long[length];
        int kept = Math.min(length, values.length);
        System.arraycopy(values, 0, resized, 0, kept);
        for (int i = kept; i < length; i++) {
            resized[i] = fill;
        }
        return resized;
    }
}
