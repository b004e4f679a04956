package dev.bonsai.batch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One output row in both formats. A classifier's, JSONL: {@code {"id", "label", "score", "scores":
 * {label: p, …}, "error"}}; CSV (RFC 4180): {@code id,label,score,score:<label>…,error}. The figures
 * are the predictions API's: each probability as the double of the model's float, written the same
 * way. An embedding model's, JSONL: {@code {"id", "embedding": [v, …], "error"}}; CSV: {@code
 * id,dim:0,…,dim:<n-1>,error}, each value the float the embeddings API answers.
 */
final class OutputLines {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<String> labels;
    /** An embedding model's vector length; 0 for a classifier. */
    private final int dimensions;

    OutputLines(List<String> labels) {
        this(labels, 0);
    }

    OutputLines(List<String> labels, int dimensions) {
        this.labels = List.copyOf(labels);
        this.dimensions = dimensions;
    }

    boolean embeds() {
        return dimensions > 0;
    }

    String csvHeader() {
        StringBuilder header = new StringBuilder("id");
        if (embeds()) {
            for (int d = 0; d < dimensions; d++) {
                header.append(",dim:").append(d);
            }
            return header.append(",error\r\n").toString();
        }
        header.append(",label,score");
        for (String label : labels) {
            header.append(',').append(csv("score:" + label));
        }
        return header.append(",error\r\n").toString();
    }

    /** An embedded row: the vector. */
    String[] embedded(String id, float[] vector) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("id", id);
        line.put("embedding", vector);
        line.put("error", null);
        StringBuilder row = new StringBuilder(vector.length * 12).append(csv(id));
        for (float value : vector) {
            row.append(',').append(value);
        }
        return new String[] {json(line), row.append(",\r\n").toString()};
    }

    /** A predicted row: the best label (first in label order among equals) and every label's probability. */
    String[] predicted(String id, float[] probabilities) {
        int best = 0;
        for (int c = 1; c < probabilities.length; c++) {
            if (probabilities[c] > probabilities[best]) {
                best = c;
            }
        }
        Map<String, Object> scores = new LinkedHashMap<>();
        for (int c = 0; c < labels.size(); c++) {
            scores.put(labels.get(c), (double) probabilities[c]);
        }
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("id", id);
        line.put("label", labels.get(best));
        line.put("score", (double) probabilities[best]);
        line.put("scores", scores);
        line.put("error", null);
        StringBuilder row = new StringBuilder().append(csv(id)).append(',').append(csv(labels.get(best))).append(',')
                .append((double) probabilities[best]);
        for (float probability : probabilities) {
            row.append(',').append((double) probability);
        }
        return new String[] {json(line), row.append(",\r\n").toString()};
    }

    /** A row that could not be predicted, with why. */
    String[] failed(String id, String error) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("id", id);
        if (embeds()) {
            line.put("embedding", null);
            line.put("error", error);
            return new String[] {json(line), csv(id) + ",".repeat(dimensions) + "," + csv(error) + "\r\n"};
        }
        line.put("label", null);
        line.put("score", null);
        line.put("scores", null);
        line.put("error", error);
        return new String[] {json(line), csv(id) + ",," + ",".repeat(labels.size()) + "," + csv(error) + "\r\n"};
    }

    private static String json(Map<String, Object> line) {
        try {
            return JSON.writeValueAsString(line) + "\n";
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A field, quoted when it holds a delimiter, a quote, a line break or surrounding spaces. */
    static String csv(String field) {
        if (field.isEmpty() || field.chars().noneMatch(c -> c == ',' || c == '"' || c == '\n' || c == '\r')
                && field.strip().equals(field)) {
            return field;
        }
        return '"' + field.replace("\"", "\"\"") + '"';
    }
}
