package dev.bonsai.dataset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class LabelledTextsTest {

    private static final List<String> ORDER = List.of("neg", "pos");

    private final DatasetTexts.Rows rows = new DatasetTexts.Rows(List.of("a", "b", "c", "d", "e"),
            List.of("pos", "neg", "pos", "odd", "neg"),
            List.of(Split.TRAIN, Split.TEST, Split.TRAIN, Split.VALIDATION, Split.TRAIN), "sha");

    @Test
    void aSplitsRowsInFileOrderWithTheirLabelsPositions() {
        LabelledTexts train = rows.labelled(Split.TRAIN, ORDER);
        assertEquals(List.of("a", "c", "e"), train.texts());
        assertArrayEquals(new int[] {1, 1, 0}, train.labels());
        assertArrayEquals(new long[] {1, 2}, train.perLabel(2));
        assertEquals(-1, train.firstUnknown());
        assertTrue(rows.labelled(new int[0], ORDER).isEmpty());
    }

    @Test
    void aLabelOutsideTheOrderIsFoundAndTextsJoinInOrder() {
        LabelledTexts all = rows.labelled(ORDER);
        assertEquals(3, all.firstUnknown());
        LabelledTexts joined = rows.labelled(Split.TEST, ORDER).plus(rows.labelled(Split.VALIDATION, ORDER));
        assertEquals(List.of("b", "d"), joined.texts());
        assertArrayEquals(new int[] {0, -1}, joined.labels());
        assertEquals(2, joined.size());
    }

    @Test
    void textsAndLabelsMustPair() {
        assertThrows(IllegalArgumentException.class, () -> new LabelledTexts(List.of("a"), new int[] {0, 1}));
    }
}
