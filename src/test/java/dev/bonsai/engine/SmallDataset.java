package dev.bonsai.engine;

import java.util.ArrayList;
import java.util.List;

/** A generated three-topic dataset for engine tests: 20 sentences a class, in a fixed order. */
public final class SmallDataset {

    public static final List<String> LABELS = List.of("sports", "weather", "cooking");

    private static final String[][] SUBJECTS = {
        {"The striker", "Our goalkeeper", "The home team", "The coach", "The referee"},
        {"Heavy rain", "A cold front", "The storm", "Morning fog", "A heat wave"},
        {"The chef", "My grandmother", "The baker", "Our recipe", "The sous chef"}};
    private static final String[][] PREDICATES = {
        {"scored twice in the final minutes", "won the championship match", "trained hard before the derby",
            "was sent off after a foul"},
        {"is expected over the coast tonight", "will bring snow to the mountains", "flooded the valley roads",
            "pushed temperatures above forty degrees"},
        {"roasted the vegetables with garlic", "baked fresh bread this morning", "simmered the tomato sauce for hours",
            "seasoned the soup with pepper"}};

    public final List<String> texts = new ArrayList<>();
    final List<Integer> labels = new ArrayList<>();

    public SmallDataset() {
        for (int i = 0; i < 20; i++) {
            for (int c = 0; c < 3; c++) {
                texts.add(SUBJECTS[c][i % 5] + " " + PREDICATES[c][(i / 5) % 4] + ".");
                labels.add(c);
            }
        }
    }

    public int[] labelArray(int from, int to) {
        return labels.subList(from, to).stream().mapToInt(Integer::intValue).toArray();
    }
}
