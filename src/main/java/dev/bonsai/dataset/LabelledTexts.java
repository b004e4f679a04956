package dev.bonsai.dataset;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Some of a dataset's texts, each with its label as a position in the model's label order
 * ({@code -1} for a label not in it), as a job trains, chooses and evaluates on them.
 */
public record LabelledTexts(List<String> texts, int[] labels) {

    public LabelledTexts {
        if (texts.size() != labels.length) {
            throw new IllegalArgumentException(texts.size() + " texts but " + labels.length + " labels");
        }
        texts = List.copyOf(texts);
    }

    public int size() {
        return labels.length;
    }

    public boolean isEmpty() {
        return labels.length == 0;
    }

    /** These texts followed by {@code more}'s. */
    public LabelledTexts plus(LabelledTexts more) {
        List<String> joined = new ArrayList<>(texts);
        joined.addAll(more.texts);
        return new LabelledTexts(joined, IntStream.concat(IntStream.of(labels), IntStream.of(more.labels)).toArray());
    }

    /** The position of the first text whose label is not in the order, or -1 when every one is. */
    public int firstUnknown() {
        return IntStream.range(0, labels.length).filter(i -> labels[i] < 0).findFirst().orElse(-1);
    }

    /** How many texts have each of {@code labelCount} labels. */
    public long[] perLabel(int labelCount) {
        long[] counts = new long[labelCount];
        for (int label : labels) {
            counts[label]++;
        }
        return counts;
    }
}
