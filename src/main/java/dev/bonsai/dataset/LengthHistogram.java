package dev.bonsai.dataset;

import java.util.ArrayList;
import java.util.List;

/** Streaming min, max, mean and a power-of-two histogram of lengths; constant memory. */
final class LengthHistogram {

    /** Bucket {@code i} covers lengths in [EDGES[i], EDGES[i+1]). */
    private static final long[] EDGES = {0, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768,
        Long.MAX_VALUE};

    private final long[] counts = new long[EDGES.length - 1];
    private long min = Long.MAX_VALUE;
    private long max;
    private long sum;
    private long n;

    void add(long length) {
        min = Math.min(min, length);
        max = Math.max(max, length);
        sum += length;
        n++;
        for (int i = 0; i < counts.length; i++) {
            if (length < EDGES[i + 1]) {
                counts[i]++;
                return;
            }
        }
    }

    /** How many lengths were added. */
    long count() {
        return n;
    }

    DatasetReport.LengthStats stats(String unit, String tokenizer) {
        List<DatasetReport.Bucket> histogram = new ArrayList<>();
        int last = counts.length - 1;
        while (last > 0 && counts[last] == 0) {
            last--;
        }
        for (int i = 0; i <= last; i++) {
            histogram.add(new DatasetReport.Bucket(EDGES[i], EDGES[i + 1] == Long.MAX_VALUE ? max + 1 : EDGES[i + 1], counts[i]));
        }
        double mean = n == 0 ? 0 : Math.round(sum * 10.0 / n) / 10.0;
        return new DatasetReport.LengthStats(unit, tokenizer, n == 0 ? 0 : min, max, mean, histogram);
    }
}
