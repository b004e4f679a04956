package dev.bonsai.engine.evaluate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How well embeddings retrieve: every query ranks every document by cosine similarity (the
 * embeddings are L2-normalised, so by dot product; ties by document order), and a query's relevant
 * documents are judged in its top 10. {@code recallAt1} and {@code recallAt10}: the share of a
 * query's relevant documents in its top 1 and top 10; {@code mrrAt10}: the reciprocal rank of the
 * first relevant document within the top 10 (0 beyond); {@code ndcgAt10}: binary-relevance nDCG
 * with log₂ discounts. Each is the mean over queries, rounded to 4 places, as the figures of
 * sentence-transformers' InformationRetrievalEvaluator are defined.
 */
public record RetrievalMetrics(double recallAt1, double recallAt10, double mrrAt10, double ndcgAt10, int queries,
        int documents) {

    static final int CUTOFF = 10;

    /**
     * @param relevant for each query, the positions in {@code documents} of its relevant documents (at least one)
     */
    public static RetrievalMetrics of(float[][] queries, float[][] documents, List<Set<Integer>> relevant) {
        if (queries.length != relevant.size()) {
            throw new IllegalArgumentException(queries.length + " queries, " + relevant.size() + " relevance sets");
        }
        double recall1 = 0;
        double recall10 = 0;
        double mrr = 0;
        double ndcg = 0;
        for (int q = 0; q < queries.length; q++) {
            int[] top = top(queries[q], documents, CUTOFF);
            Set<Integer> wanted = relevant.get(q);
            if (wanted.isEmpty()) {
                throw new IllegalArgumentException("query " + q + " has no relevant document");
            }
            int found1 = 0;
            int found10 = 0;
            double reciprocal = 0;
            double dcg = 0;
            for (int rank = 0; rank < top.length; rank++) {
                if (wanted.contains(top[rank])) {
                    found10++;
                    if (rank == 0) {
                        found1++;
                    }
                    if (reciprocal == 0) {
                        reciprocal = 1.0 / (rank + 1);
                    }
                    dcg += 1.0 / log2(rank + 2);
                }
            }
            double ideal = 0;
            for (int rank = 0; rank < Math.min(wanted.size(), CUTOFF); rank++) {
                ideal += 1.0 / log2(rank + 2);
            }
            recall1 += (double) found1 / wanted.size();
            recall10 += (double) found10 / wanted.size();
            mrr += reciprocal;
            ndcg += dcg / ideal;
        }
        int n = Math.max(queries.length, 1);
        return new RetrievalMetrics(round(recall1 / n), round(recall10 / n), round(mrr / n), round(ndcg / n),
                queries.length, documents.length);
    }

    /** The positions of the {@code k} documents most similar to {@code query}, best first (ties: lower position). */
    static int[] top(float[] query, float[][] documents, int k) {
        int size = Math.min(k, documents.length);
        int[] best = new int[size];
        double[] scores = new double[size];
        int filled = 0;
        for (int d = 0; d < documents.length; d++) {
            double score = dot(query, documents[d]);
            if (filled < size) {
                int at = filled++;
                while (at > 0 && scores[at - 1] < score) {
                    scores[at] = scores[at - 1];
                    best[at] = best[at - 1];
                    at--;
                }
                scores[at] = score;
                best[at] = d;
            } else if (score > scores[size - 1]) {
                int at = size - 1;
                while (at > 0 && scores[at - 1] < score) {
                    scores[at] = scores[at - 1];
                    best[at] = best[at - 1];
                    at--;
                }
                scores[at] = score;
                best[at] = d;
            }
        }
        return best;
    }

    static double dot(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += (double) a[i] * b[i];
        }
        return sum;
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }

    private static double round(double value) {
        return Math.round(value * 10_000) / 10_000.0;
    }

    /**
     * A retrieval task made of pairs: the distinct anchors are the queries, the distinct positives
     * and negatives the documents, and an anchor's positives its relevant documents.
     */
    public record Task(List<String> queries, List<String> documents, List<Set<Integer>> relevant) {

        public static Task ofPairs(List<String> anchors, List<String> positives, List<String> negatives) {
            Map<String, Integer> queryAt = new LinkedHashMap<>();
            Map<String, Integer> documentAt = new LinkedHashMap<>();
            List<Set<Integer>> relevant = new ArrayList<>();
            for (int i = 0; i < anchors.size(); i++) {
                Integer query = queryAt.get(anchors.get(i));
                if (query == null) {
                    query = queryAt.size();
                    queryAt.put(anchors.get(i), query);
                    relevant.add(new java.util.TreeSet<>());
                }
                relevant.get(query).add(documentAt.computeIfAbsent(positives.get(i), text -> documentAt.size()));
                String negative = negatives == null ? null : negatives.get(i);
                if (negative != null) {
                    documentAt.computeIfAbsent(negative, text -> documentAt.size());
                }
            }
            return new Task(List.copyOf(queryAt.keySet()), List.copyOf(documentAt.keySet()),
                    relevant.stream().map(Set::copyOf).toList());
        }

        public boolean isEmpty() {
            return queries.isEmpty();
        }
    }
}
