// Compression benchmark: every technique, and auto for two devices, on a classifier exported by
// benchmarks/FineTune.java, one thread. Run through benchmarks/compression.sh.
//
//   java -cp <classpath> benchmarks/Compress.java TRAIN.csv TEST.csv SAMPLE_SIZE BASE_MODEL CLASSIFIER.onnx
//
// The data is split as FineTune.java splits it (same seed): distillation trains on the same rows
// and selects epochs on the same validation rows. As in a compression job, the test file informs no
// step: the vocabulary is built from the training and validation rows, the auto selection below
// gates on the validation rows, and the test file is read once per variant for the figures.

import dev.bonsai.compression.CompressionJobService;
import dev.bonsai.compression.VariantSelection;
import dev.bonsai.dataset.LabelledTextFile;
import dev.bonsai.device.Device;
import dev.bonsai.device.DeviceCatalog;
import dev.bonsai.engine.BaseModel;
import dev.bonsai.engine.compress.Compression;
import dev.bonsai.engine.evaluate.ClassificationMetrics;
import dev.bonsai.engine.evaluate.VariantMeasurement;
import dev.bonsai.engine.graph.ClassifierGraph;
import dev.bonsai.engine.runtime.ClassifierRunner;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

public class Compress {

    /** {@code batchDifference}: the largest difference in a probability between a text sent alone and in batches of 32. */
    record Row(String recipe, String precision, VariantMeasurement.Measurement measurement, ClassificationMetrics metrics,
            double validationAccuracy, long graphBytes, long zipped, long seconds, double batchDifference) {
    }

    public static void main(String[] args) throws Exception {
        Path trainFile = Path.of(args[0]);
        Path testFile = Path.of(args[1]);
        int sampleSize = Integer.parseInt(args[2]);
        BaseModel model = BaseModel.byId(args[3]).orElseThrow();
        byte[] original = Files.readAllBytes(Path.of(args[4]));
        long seed = 42;

        List<LabelledTextFile.LabelledText> train = LabelledTextFile.read(trainFile);
        List<LabelledTextFile.LabelledText> test = LabelledTextFile.read(testFile);
        if (sampleSize > 0 && sampleSize < train.size()) {
            train = LabelledTextFile.stratifiedSample(train, sampleSize, seed);
        }
        List<String> labels = ClassifierGraph.labels(original);
        List<List<LabelledTextFile.LabelledText>> parts = LabelledTextFile.stratifiedSplit(train, 0.1, seed);
        List<String> testTexts = texts(test);
        int[] truth = indexes(test, labels);
        List<String> vocabularyTexts = texts(train);
        List<String> validationTexts = texts(parts.get(1));
        int[] validationTruth = indexes(parts.get(1), labels);
        // The length the classifier was trained with, from the recipe recorded in it.
        int maxLength = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(ClassifierGraph.metadata(original).getOrDefault("bonsai.hyperparameters", "{}"))
                .path("maxSequenceLength").asInt(model.maxSequenceLength());
        byte[] tokenizer;
        try (InputStream json = BaseModel.class.getClassLoader().getResourceAsStream(model.tokenizerResource())) {
            tokenizer = json.readAllBytes();
        }
        System.out.printf("%s, %d training rows, %d validation rows, %d test rows, max length %d, one thread%n",
                args[4], parts.get(0).size(), parts.get(1).size(), test.size(), maxLength);

        Compression compression = new Compression(new Compression.Source(model, original, tokenizer, maxLength,
                texts(parts.get(0)), indexes(parts.get(0), labels), texts(parts.get(1)), indexes(parts.get(1), labels),
                vocabularyTexts, seed), (recipe, step, message) -> System.out.println("  " + recipe + ": " + message), () -> false);

        Map<String, Row> rows = new LinkedHashMap<>();
        rows.put("original", measure("original", original, tokenizer, maxLength, testTexts, truth, validationTexts, validationTruth,
                labels, 0, null));
        List<String> recipes = new ArrayList<>(List.of("int8-dynamic", "int8-static", "fp16", "vocabulary-pruning",
                "vocabulary-pruning+int8-dynamic", "layer-drop:3+int8-dynamic", "layer-drop:3+vocabulary-pruning+int8-dynamic",
                "structured-pruning:50+int8-dynamic"));
        DeviceCatalog catalog = new DeviceCatalog();
        for (String device : List.of("raspberry-pi-4", "browser-wasm")) {
            for (String recipe : CompressionJobService.auto(model, catalog.byId(device).orElseThrow())) {
                if (!recipes.contains(recipe)) {
                    recipes.add(recipe);
                }
            }
        }
        for (String recipe : recipes) {
            long start = System.nanoTime();
            Compression.Variant variant = compression.apply(recipe);
            long seconds = (System.nanoTime() - start) / 1_000_000_000L;
            variant.details().forEach((key, value) -> System.out.println("  " + recipe + " " + key + ": " + value));
            rows.put(recipe, measure(recipe, variant.graph(), variant.tokenizerJson(), maxLength, testTexts, truth,
                    validationTexts, validationTruth, labels, seconds, new VariantMeasurement.Reference(original, tokenizer)));
        }

        Row base = rows.get("original");
        int[] basePredictions = base.measurement().predictions();
        System.out.println();
        System.out.println("| recipe | graph bytes | of fp32 graph | bytes (graph + tokenizer) | zipped | peak memory | p50 batch 1 | batch 1 paired with the original | p50 batch 32 | speed-up (batch 32) | alone vs batch 32, max diff | accuracy | delta | same predictions | made in |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        for (Row row : rows.values()) {
            int same = 0;
            for (int i = 0; i < basePredictions.length; i++) {
                same += row.measurement().predictions()[i] == basePredictions[i] ? 1 : 0;
            }
            VariantMeasurement.RelativeLatency relative = row.measurement().relativeLatency();
            System.out.printf("| %s | %,d | %.1f%% | %,d | %,d | %s | %.2f ms | %s | %.1f ms | %.2f× | %s | %.4f | %+.4f | %d / %d | %d s |%n",
                    row.recipe(), row.graphBytes(), 100.0 * row.graphBytes() / base.graphBytes(),
                    row.measurement().bytes(), row.zipped(), row.measurement().peakMemoryBytes() == null ? "unknown"
                            : String.format("%.1f MB", row.measurement().peakMemoryBytes() / 1e6),
                    row.measurement().batch1().p50Millis(), relative.pairs() == 0 ? "1"
                            : String.format("%.3f ± %.3f", relative.ratio(), relative.standardError()),
                    row.measurement().batch32().p50Millis(),
                    base.measurement().batch32().p50Millis() / row.measurement().batch32().p50Millis(),
                    row.batchDifference() == 0 ? "0" : String.format("%.1e", row.batchDifference()),
                    row.metrics().accuracy(), row.metrics().accuracy() - base.metrics().accuracy(),
                    same, basePredictions.length, row.seconds());
        }
        for (String deviceId : List.of("raspberry-pi-4", "browser-wasm")) {
            Device device = catalog.byId(deviceId).orElseThrow();
            List<VariantSelection.Candidate> candidates = new ArrayList<>();
            candidates.add(candidate(base));
            for (String recipe : CompressionJobService.auto(model, device)) {
                candidates.add(candidate(rows.get(recipe)));
            }
            VariantSelection.Outcome outcome = VariantSelection.select(candidates, base.validationAccuracy(), device,
                    new VariantSelection.Constraints(0.01, null, null));
            System.out.printf("%nauto for %s (gate 0.01 on the validation rows): %s%n", device.id(), outcome.explanation());
            for (VariantSelection.Verdict verdict : outcome.verdicts()) {
                System.out.printf("  %-45s fits %-5s gate %-5s pareto %-5s est. %.1f ms %s%n", verdict.candidate().recipe(),
                        verdict.fits(), verdict.passesGate(), verdict.paretoOptimal(), verdict.estimatedDeviceLatencyMillis(),
                        verdict.fitProblems().isEmpty() ? "" : verdict.fitProblems().toString());
            }
        }
    }

    static VariantSelection.Candidate candidate(Row row) {
        return new VariantSelection.Candidate(row.recipe(), row.recipe(), row.precision(), row.measurement().bytes(),
                row.measurement().peakMemoryBytes(), row.measurement().batch1().p50Millis(),
                row.measurement().relativeLatency().ratio(), row.measurement().relativeLatency().standardError(),
                row.validationAccuracy());
    }

    /** Measures one variant; {@code reference} is the original (null for the original itself). */
    static Row measure(String recipe, byte[] graph, byte[] tokenizer, int maxLength, List<String> texts, int[] truth,
            List<String> validationTexts, int[] validationTruth, List<String> labels, long seconds,
            VariantMeasurement.Reference reference) throws Exception {
        VariantMeasurement.Measurement measurement = VariantMeasurement.measure(graph, tokenizer, maxLength, texts,
                validationTexts, 64, java.nio.file.Path.of(System.getProperty("java.io.tmpdir")), reference);
        ClassificationMetrics metrics = ClassificationMetrics.of(truth, measurement.predictions(), labels);
        double validationAccuracy = ClassificationMetrics.of(validationTruth, measurement.validationPredictions(), labels)
                .accuracy();
        double batchDifference = 0;
        try (ClassifierRunner runner = ClassifierRunner.open(graph, tokenizer, maxLength, 1)) {
            for (int i = 0; i < texts.size(); i++) {
                float[] alone = runner.run(List.of(texts.get(i))).probabilities()[0];
                for (int c = 0; c < alone.length; c++) {
                    batchDifference = Math.max(batchDifference, Math.abs(alone[c] - measurement.probabilities()[i][c]));
                }
            }
        }
        String precision = recipe.contains("int8") ? "int8" : recipe.endsWith("fp16") ? "fp16" : "fp32";
        ByteArrayOutputStream zipped = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(zipped)) {
            zip.putNextEntry(new ZipEntry("model.onnx"));
            zip.write(graph);
            zip.putNextEntry(new ZipEntry("tokenizer.json"));
            zip.write(tokenizer);
        }
        System.out.printf("  measured %s: %,d bytes, accuracy %.4f%n", recipe, measurement.bytes(), metrics.accuracy());
        return new Row(recipe, precision, measurement, metrics, validationAccuracy, graph.length, zipped.size(), seconds,
                batchDifference);
    }

    static List<String> texts(List<LabelledTextFile.LabelledText> rows) {
        return rows.stream().map(LabelledTextFile.LabelledText::text).toList();
    }

    static int[] indexes(List<LabelledTextFile.LabelledText> rows, List<String> labels) {
        return rows.stream().mapToInt(row -> labels.indexOf(row.label())).toArray();
    }
}
