package dev.bonsai.engine.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The retrieval figures on rankings small enough to work out by hand. */
class RetrievalMetricsTest {

    /** A unit vector at {@code degrees} in the plane: documents closer in angle to a query rank higher. */
    private static float[] at(double degrees) {
        double radians = Math.toRadians(degrees);
        return new float[] {(float) Math.cos(radians), (float) Math.sin(radians)};
    }

    @Test
    void figuresMatchRankingsWorkedOutByHand() {
        // Twelve documents at 0°, 10°, … 110°; a query at 0° ranks them in that order.
        float[][] documents = new float[12][];
        for (int d = 0; d < 12; d++) {
            documents[d] = at(10 * d);
        }
        float[][] queries = {at(0), at(0), at(0)};
        // Query 0: relevant at ranks 1 and 3. Query 1: rank 2 only. Query 2: rank 11 only (outside the top 10).
        List<Set<Integer>> relevant = List.of(Set.of(0, 2), Set.of(1), Set.of(10));
        RetrievalMetrics metrics = RetrievalMetrics.of(queries, documents, relevant);

        double log2of3 = Math.log(3) / Math.log(2);
        double log2of4 = 2;
        assertEquals(round((0.5 + 0 + 0) / 3), metrics.recallAt1());
        assertEquals(round((1 + 1 + 0) / 3.0), metrics.recallAt10());
        assertEquals(round((1 + 0.5 + 0) / 3), metrics.mrrAt10());
        double ndcg0 = (1 + 1 / log2of4) / (1 + 1 / log2of3);
        double ndcg1 = (1 / log2of3) / 1;
        assertEquals(round((ndcg0 + ndcg1 + 0) / 3), metrics.ndcgAt10());
        assertEquals(3, metrics.queries());
        assertEquals(12, metrics.documents());
    }

    @Test
    void topKeepsTheBestInOrderWithTiesToTheEarlierDocument() {
        float[][] documents = {at(50), at(10), at(10), at(90), at(0)};
        assertEquals("[4, 1, 2]", Arrays.toString(RetrievalMetrics.top(at(0), documents, 3)));
        assertEquals("[4, 1, 2, 0, 3]", Arrays.toString(RetrievalMetrics.top(at(0), documents, 10)));
    }

    @Test
    void aTaskOfPairsHasDistinctQueriesAndDocumentsAndEveryPositiveOfAQuery() {
        RetrievalMetrics.Task task = RetrievalMetrics.Task.ofPairs(List.of("q1", "q2", "q1"), List.of("a", "b", "c"),
                Arrays.asList(null, "c", "d"));
        assertEquals(List.of("q1", "q2"), task.queries());
        assertEquals(List.of("a", "b", "c", "d"), task.documents());
        assertEquals(List.of(Set.of(0, 2), Set.of(1)), task.relevant());
    }

    @Test
    void aQueryWithoutRelevantDocumentsIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> RetrievalMetrics.of(new float[][] {at(0)}, new float[][] {at(0)}, List.of(Set.of())));
    }

    private static double round(double value) {
        return Math.round(value * 10_000) / 10_000.0;
    }
}
