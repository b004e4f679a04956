package dev.bonsai.finetune;

import dev.bonsai.platform.Problem;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fine-tuning hyperparameters a request may set. Each is a number or {@code "auto"} (the
 * default). Auto values, chosen from the data when the job runs: epochs for about 4,000 steps
 * (10 to 200), batchSize 32 (fewer for tiny sets), learningRate 0.01, maxSequenceLength enough for
 * 99% of the dataset's texts (a multiple of 16, at most the model's), seed 42, earlyStoppingPatience 5, and classWeights "balanced" when the largest
 * class is more than 3 times the smallest ("none" and "balanced" may also be asked for).
 */
final class RequestedHyperparameters {

    private record Range(double min, double max, boolean integer) {
    }

    private static final Map<String, Range> NUMERIC = Map.of(
            "epochs", new Range(1, 1000, true),
            "batchSize", new Range(1, 1024, true),
            "learningRate", new Range(1e-7, 1, false),
            "maxSequenceLength", new Range(8, 512, true),
            "unfreezeLayers", new Range(1, 24, true),
            "seed", new Range(0, Long.MAX_VALUE, true),
            "earlyStoppingPatience", new Range(1, 100, true));

    private RequestedHyperparameters() {
    }

    /** The requested values, every known key present ("auto" where not given); errors collected. */
    static Map<String, Object> validate(Map<String, Object> requested, int modelMaxSequenceLength,
            List<Problem.FieldError> errors) {
        Map<String, Object> result = new LinkedHashMap<>();
        Map<String, Object> given = requested == null ? Map.of() : requested;
        for (String key : given.keySet()) {
            if (!NUMERIC.containsKey(key) && !key.equals("classWeights")) {
                errors.add(new Problem.FieldError("/hyperparameters/" + key, "Unknown hyperparameter; known: "
                        + new java.util.TreeSet<>(java.util.stream.Stream.concat(NUMERIC.keySet().stream(),
                                java.util.stream.Stream.of("classWeights")).toList()) + "."));
            }
        }
        for (Map.Entry<String, Range> entry : new java.util.TreeMap<>(NUMERIC).entrySet()) {
            String key = entry.getKey();
            Object value = given.get(key);
            if (value == null || "auto".equals(value)) {
                result.put(key, "auto");
                continue;
            }
            Range range = entry.getValue();
            double max = key.equals("maxSequenceLength") ? modelMaxSequenceLength : range.max();
            if (!(value instanceof Number number) || (range.integer() && number.doubleValue() != Math.rint(number.doubleValue()))
                    || number.doubleValue() < range.min() || number.doubleValue() > max) {
                errors.add(new Problem.FieldError("/hyperparameters/" + key, key + " must be \"auto\" or "
                        + (range.integer() ? "a whole number" : "a number") + " from " + format(range.min()) + " to "
                        + format(max) + "."));
                continue;
            }
            result.put(key, range.integer() ? (Object) number.longValue() : (Object) number.doubleValue());
        }
        Object weights = given.get("classWeights");
        if (weights == null || "auto".equals(weights)) {
            result.put("classWeights", "auto");
        } else if ("none".equals(weights) || "balanced".equals(weights)) {
            result.put("classWeights", weights);
        } else {
            errors.add(new Problem.FieldError("/hyperparameters/classWeights", "classWeights must be \"auto\", \"none\" or \"balanced\"."));
        }
        return result;
    }

    private static String format(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value) : Double.toString(value);
    }
}
