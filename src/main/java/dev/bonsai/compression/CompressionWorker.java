package dev.bonsai.compression;

import dev.bonsai.blob.BlobStore;
import dev.bonsai.dataset.DatasetTexts;
import dev.bonsai.dataset.LabelledTexts;
import dev.bonsai.dataset.Split;
import dev.bonsai.device.Device;
import dev.bonsai.device.DeviceCatalog;
import dev.bonsai.engine.BaseModel;
import dev.bonsai.engine.compress.Compression;
import dev.bonsai.engine.evaluate.ClassificationMetrics;
import dev.bonsai.engine.evaluate.VariantMeasurement;
import dev.bonsai.engine.graph.ClassifierGraph;
import dev.bonsai.engine.runtime.ClassifierRunner;
import dev.bonsai.engine.runtime.WebRuntimeProbe;
import dev.bonsai.engine.text.TokenizationChange;
import dev.bonsai.engine.train.EncoderTrainer;
import dev.bonsai.engine.train.HeadTrainer;
import dev.bonsai.job.Attempt;
import dev.bonsai.job.JobLifecycle;
import dev.bonsai.job.JobStopped;
import dev.bonsai.job.JobWorker;
import dev.bonsai.model.ModelService;
import dev.bonsai.model.VariantGraphs;
import dev.bonsai.platform.BonsaiConfig;
import dev.bonsai.platform.ProblemException;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Runs a compression job outside any transaction: measures the original, applies each recipe,
 * measures and stores every variant, then compares them ({@link VariantSelection}) and records
 * the matrix, the Pareto frontier and the recommendation. Failure is recorded on the job, never
 * thrown. A job interrupted by a crash starts over: the variants its interrupted attempt stored
 * are removed first, so the job's result lists one set. A cancelled job keeps the variants it had
 * measured.
 */
@ApplicationScoped
public class CompressionWorker implements JobWorker<CompressionJobEntity> {

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** Timed single-text runs per variant; batch 32 is timed over an eighth as many batches. */
    private static final int LATENCY_RUNS = 64;
    /** Timed single-text runs in the device's own runtime. */
    private static final int WEB_RUNS = 64;
    /** The seed of a model recorded without one (models made before recipes recorded theirs). */
    private static final long DEFAULT_SEED = 42L;

    @Inject
    DatasetTexts data;

    @Inject
    BlobStore blobs;

    @Inject
    VariantGraphs graphs;

    @Inject
    ModelService models;

    @Inject
    DeviceCatalog devices;

    @Inject
    BonsaiConfig config;

    @Inject
    JobLifecycle lifecycle;

    @Override
    public String taskName() {
        return CompressionJobService.TASK;
    }

    @Override
    public Class<CompressionJobEntity> jobType() {
        return CompressionJobEntity.class;
    }

    @Override
    public String cancelledMessage() {
        return "Job cancelled; variants measured before the cancellation are kept.";
    }

    @Override
    public String failedMessage() {
        return "Compression failed on our side; the job can be created again.";
    }

    @Override
    @SuppressWarnings("unchecked")
    public void work(CompressionJobEntity job, Attempt<CompressionJobEntity> attempt) throws IOException, SQLException {
        BooleanSupplier cancelled = attempt.cancellation();
        ModelService.Source model;
        try {
            model = QuarkusTransaction.requiringNew().call(() -> models.source(job.tenantId, job.modelId));
        } catch (ProblemException e) {
            throw new JobStopped("model_unavailable", "Model " + job.modelId + " no longer exists.", "model");
        }
        if (job.attempts > 1) {
            models.forget(attempt.write(row -> models.removeJobVariants(job.modelId, job.id)));
            attempt.message("info", "Starting over: the variants of the interrupted attempt were removed.");
        }
        Device device = devices.byId(job.device).orElseThrow();
        BaseModel baseModel = BaseModel.byId(model.baseModel()).orElseThrow();
        DatasetTexts.Rows rows = data.read(job.tenantId, model.datasetId()).orElseThrow(() -> new JobStopped(
                "dataset_unavailable", "The model's dataset " + model.datasetId() + " was deleted; compression needs its"
                + " texts to evaluate and distil.", "model"));
        List<String> labels = model.labels();
        LabelledTexts trainSet = rows.labelled(Split.TRAIN, labels);
        LabelledTexts validationSet = rows.labelled(Split.VALIDATION, labels);
        LabelledTexts testSet = rows.labelled(Split.TEST, labels);
        String evaluatedOn = "test";
        if (testSet.isEmpty()) {
            evaluatedOn = validationSet.isEmpty() ? "train" : "validation";
            testSet = evaluatedOn.equals("train") ? trainSet : validationSet;
            attempt.message("warning", "The dataset has no test rows; variants are evaluated on its " + evaluatedOn
                    + " rows.");
        }
        // The gate and the recommendation are decided on validation rows; the test rows are read once per
        // variant, for the figures reported, and inform no step (vocabulary, calibration, distillation, selection).
        String gatedOn = "validation";
        if (validationSet.isEmpty()) {
            gatedOn = "train";
            validationSet = trainSet;
            attempt.message("warning", "The dataset has no validation rows; the accuracy gate and the"
                    + " recommendation use its training rows, which distillation also sees.");
        }
        List<String> testTexts = testSet.texts();
        List<String> validationTexts = validationSet.texts();
        List<String> vocabularyTexts = validationSet == trainSet ? trainSet.texts() : trainSet.plus(validationSet).texts();
        byte[] original;
        try (InputStream in = graphs.open(model.originalSha256())) {
            original = in.readAllBytes();
        }
        byte[] baseTokenizer;
        try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(baseModel.tokenizerResource())) {
            baseTokenizer = in.readAllBytes();
        }
        int maxLength = ModelService.maxSequenceLength(model.provenance(), baseModel);

        List<String> recipes = (List<String>) job.request.get("techniques");
        double share = 0.9 / (recipes.size() + 1);
        attempt.message("info", "Measuring the original on " + testTexts.size() + " " + evaluatedOn + " rows.");
        VariantMeasurement.Measurement originalMeasurement = VariantMeasurement.measure(original, baseTokenizer, maxLength,
                testTexts, validationTexts, LATENCY_RUNS, blobs.scratchDirectory(), null);
        ClassificationMetrics originalMetrics = ClassificationMetrics.of(testSet.labels(), originalMeasurement.predictions(),
                labels);
        ClassificationMetrics originalValidation = ClassificationMetrics.of(validationSet.labels(),
                originalMeasurement.validationPredictions(), labels);
        attempt.progress(share);
        List<VariantSelection.Candidate> candidates = new ArrayList<>();
        Map<String, Map<String, Object>> reports = new LinkedHashMap<>();
        Device.Measured originalOnDevice = onDevice(device, original, baseTokenizer, maxLength, testTexts);
        candidates.add(candidate(model.originalVariantId(), "original", "fp32", originalMeasurement, originalValidation,
                originalOnDevice));
        Map<String, Object> originalReport = report(model.originalVariantId(), "original", "fp32", originalMeasurement,
                originalMetrics, originalMetrics, evaluatedOn, Map.of());
        originalReport.put("validation", validationFigures(originalValidation, originalValidation, gatedOn));
        reports.put(model.originalVariantId(), originalReport);

        long seed = ModelService.trainingSeed(model.provenance(), DEFAULT_SEED);
        int[] current = {0};
        Compression compression = new Compression(new Compression.Source(baseModel, original, baseTokenizer, maxLength,
                trainSet.texts(), trainSet.labels(), validationTexts, validationSet.labels(), vocabularyTexts,
                seed), new Compression.Listener() {
                    @Override
                    public void step(String recipe, String step, String message) {
                        attempt.message("info", recipe + ": " + message);
                    }

                    @Override
                    public void trainingStep(String recipe, long step, long total) {
                        // Within the share of the recipe being made, so progress and ETA move during distillation.
                        if (step % 5 == 0 || step == total) {
                            double start = share * (current[0] + 1);
                            attempt.progress(start + share * 0.9 * step / (double) total);
                        }
                    }

                    @Override
                    public void epoch(String recipe, HeadTrainer.Epoch epoch, int total) {
                        Map<String, Object> figures = new LinkedHashMap<>();
                        figures.put("recipe", recipe);
                        figures.put("epoch", epoch.epoch());
                        figures.put("trainLoss", Math.round(epoch.trainLoss() * 1e6) / 1e6);
                        figures.put("validationAccuracy", epoch.validation().accuracy());
                        figures.put("validationMacroF1", epoch.validation().macroF1());
                        attempt.metrics(recipe + ": distillation epoch " + epoch.epoch() + "/" + total, figures);
                    }
                }, cancelled);
        for (int r = 0; r < recipes.size(); r++) {
            current[0] = r;
            String recipe = recipes.get(r);
            Compression.Variant variant;
            try {
                variant = compression.apply(recipe);
            } catch (EncoderTrainer.DivergedException e) {
                // One recipe's distillation failing is no reason to lose the others.
                attempt.message("warning", recipe + " was skipped: its distillation diverged (" + e.getMessage()
                        + ").");
                continue;
            }
            String precision = recipe.endsWith(Compression.INT8_DYNAMIC) || recipe.endsWith(Compression.INT8_STATIC) ? "int8"
                    : recipe.endsWith(Compression.FP16) ? "fp16" : "fp32";
            VariantMeasurement.Measurement measurement = VariantMeasurement.measure(variant.graph(),
                    variant.tokenizerJson(), maxLength, testTexts, validationTexts, LATENCY_RUNS, blobs.scratchDirectory(),
                    new VariantMeasurement.Reference(original, baseTokenizer));
            ClassificationMetrics metrics = ClassificationMetrics.of(testSet.labels(), measurement.predictions(), labels);
            ClassificationMetrics validation = ClassificationMetrics.of(validationSet.labels(),
                    measurement.validationPredictions(), labels);
            if (cancelled.getAsBoolean()) {
                throw new HeadTrainer.CancelledException();
            }
            Map<String, String> provenance = new LinkedHashMap<>();
            provenance.put("bonsai.parent", model.originalVariantId());
            provenance.put("bonsai.recipe", recipe);
            boolean calibrated = recipe.contains(Compression.INT8_STATIC);
            if (calibrated) {
                provenance.put("bonsai.calibrationDatasetSha256", rows.datasetSha256());
            }
            provenance.put("bonsai.compressionJob", job.id);
            provenance.put("bonsai.device", device.id());
            Map<String, Object> recorded = new LinkedHashMap<>();
            recorded.put("accuracy", metrics.accuracy());
            recorded.put("macroF1", metrics.macroF1());
            recorded.put("accuracyDelta", round(metrics.accuracy() - originalMetrics.accuracy()));
            recorded.put("evaluatedOn", evaluatedOn);
            provenance.put("bonsai.metrics", JSON.writeValueAsString(recorded));
            variant.details().forEach((key, value) -> provenance.put("bonsai.compression." + key, value));
            byte[] graph = ClassifierGraph.withMetadata(variant.graph(), provenance);
            String sha256 = blobs.putBytes(graph);
            String tokenizerSha256 = variant.tokenizerJson() == baseTokenizer ? null : blobs.putBytes(variant.tokenizerJson());
            Map<String, Object> stored = new LinkedHashMap<>(model.provenance());
            stored.put("parent", model.originalVariantId());
            stored.put("recipe", recipe);
            if (calibrated) {
                stored.put("calibrationDatasetSha256", rows.datasetSha256());
            }
            stored.put("compressionJob", job.id);
            stored.put("seed", seed);
            stored.put("details", variant.details());
            long bytes = graph.length + (long) variant.tokenizerJson().length;
            VariantMeasurement.Measurement sized = new VariantMeasurement.Measurement(bytes, measurement.peakMemoryBytes(),
                    measurement.peakMemoryProblem(), measurement.batch1(), measurement.batch32(),
                    measurement.relativeLatency(), measurement.probabilities(), measurement.predictions(),
                    measurement.validationPredictions());
            Map<String, Object> report = report(null, recipe, precision, sized, metrics, originalMetrics, evaluatedOn,
                    variant.details());
            report.put("validation", validationFigures(validation, originalValidation, gatedOn));
            if (variant.tokenizerJson() != baseTokenizer) {
                report.put("testTokenization", TokenizationChange.measure(baseTokenizer, variant.tokenizerJson(), maxLength,
                        testTexts));
            }
            report.put("modelBytes", graph.length);
            int recipeIndex = r;
            String variantId = attempt.write(row -> models.addVariant(new ModelService.NewVariant(model.modelId(), job.id,
                    recipeIndex, sha256, graph.length, tokenizerSha256, report, stored)));
            if (variantId == null) {
                throw new JobStopped("model_unavailable", "Model " + job.modelId + " was deleted during the job.", "model");
            }
            report.put("variantId", variantId);
            reports.put(variantId, report);
            candidates.add(candidate(variantId, recipe, precision, sized, validation,
                    onDevice(device, graph, variant.tokenizerJson(), maxLength, testTexts)));
            attempt.metrics(recipe + ": " + bytes + " bytes, " + measurement.batch1().p50Millis()
                    + " ms at batch 1 (p50), accuracy " + metrics.accuracy(), figures(report));
            attempt.progress(share * (r + 2));
        }

        VariantSelection.Constraints constraints = new VariantSelection.Constraints(
                ((Number) job.request.get("maxAccuracyDrop")).doubleValue(),
                job.request.get("maxLatencyMillis") instanceof Number n ? n.doubleValue() : null,
                job.request.get("maxSizeBytes") instanceof Number n ? n.longValue() : null);
        VariantSelection.Outcome outcome = VariantSelection.select(candidates, originalValidation.accuracy(), device,
                constraints);
        List<Map<String, Object>> matrix = new ArrayList<>();
        List<String> frontier = new ArrayList<>();
        for (VariantSelection.Verdict verdict : outcome.verdicts()) {
            String id = verdict.candidate().id();
            Map<String, Object> report = reports.get(id);
            report.put("variantId", id);
            Device.Measured measured = verdict.candidate().measuredOnDevice();
            Map<String, Object> deviceLatency = new LinkedHashMap<>();
            if (measured != null && measured.batch1P50Millis() != null) {
                deviceLatency.put("basis", "measured");
                deviceLatency.put("batch1P50Millis", measured.batch1P50Millis());
                deviceLatency.put("batch1P95Millis", measured.batch1P95Millis());
                deviceLatency.put("loadMillis", measured.loadMillis());
                deviceLatency.put("how", measured.runtime() + ", on this host's CPU, " + WEB_RUNS + " single-text runs");
            } else {
                deviceLatency.put("basis", "estimate");
                deviceLatency.put("batch1P50Millis", verdict.estimatedDeviceLatencyMillis());
                deviceLatency.put("how", "this host's single-thread p50 divided by the device profile's relative speed "
                        + device.relativeSpeed() + " (" + device.relativeSpeedSource() + ")");
            }
            report.put("deviceLatency", deviceLatency);
            report.put("fits", verdict.fits());
            report.put("fitProblems", verdict.fitProblems());
            boolean recommended = outcome.recommended().map(best -> best.candidate().id().equals(id)).orElse(false);
            report.put("status", recommended ? "recommended" : !verdict.passesGate() ? "rejected"
                    : verdict.fits() ? "accepted" : "does-not-fit");
            if (verdict.gateProblem() != null) {
                report.put("rejectedBecause", verdict.gateProblem() + " on the " + gatedOn + " rows");
            }
            report.put("paretoOptimal", verdict.paretoOptimal());
            if (verdict.paretoOptimal()) {
                frontier.add(id);
            }
            matrix.add(report);
        }
        String recommendedId = outcome.recommended().map(best -> best.candidate().id()).orElse(null);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("device", device.id());
        result.put("evaluatedOn", evaluatedOn);
        result.put("evaluationRows", testTexts.size());
        result.put("gatedOn", gatedOn);
        result.put("gateRows", validationTexts.size());
        result.put("recommendedVariantId", recommendedId);
        result.put("recommendation", outcome.explanation());
        if (outcome.closest() != null) {
            result.put("closestVariantId", outcome.closest().candidate().id());
        }
        result.put("paretoFrontier", frontier);
        result.put("variants", matrix);
        // The variants' final figures and the recommendation are stored with the job's end, or not at all.
        lifecycle.succeed(attempt, result, row -> {
            for (Map<String, Object> report : matrix) {
                String id = (String) report.get("variantId");
                if (!id.equals(model.originalVariantId())) {
                    models.updateVariantMetrics(id, report);
                }
            }
            models.recommend(model.modelId(), recommendedId == null || recommendedId.equals(model.originalVariantId())
                    ? null : recommendedId);
            return outcome.explanation();
        });
    }

    private static VariantSelection.Candidate candidate(String id, String recipe, String precision,
            VariantMeasurement.Measurement measurement, ClassificationMetrics metrics, Device.Measured onDevice) {
        return new VariantSelection.Candidate(id, recipe, precision, measurement.bytes(), measurement.peakMemoryBytes(),
                measurement.batch1().p50Millis(), measurement.relativeLatency().ratio(),
                measurement.relativeLatency().standardError(), metrics.accuracy(), onDevice);
    }

    /**
     * For a device whose runtime Bonsai can run (the browser's onnxruntime-web), the variant measured in
     * it on up to 32 test texts; null for the others, whose device latency is an estimate.
     */
    private Device.Measured onDevice(Device device, byte[] graph, byte[] tokenizerJson, int maxLength, List<String> texts)
            throws IOException {
        if (!device.measuredInItsRuntime()) {
            return null;
        }
        List<long[]> inputs = ClassifierRunner.ids(tokenizerJson, maxLength, texts.subList(0, Math.min(32, texts.size())));
        WebRuntimeProbe.Result result = WebRuntimeProbe.measure(config.engine().webRuntime(), graph, inputs, WEB_RUNS,
                blobs.scratchDirectory());
        if (result.unavailable() != null) {
            return new Device.Measured(null, null, null, null, "whether " + device.runtime() + " runs it could not be"
                    + " checked on this server (" + result.unavailable() + "), so whether it fits is unknown");
        }
        if (result.cannotRun() != null) {
            return new Device.Measured(null, null, null, result.runtime(), device.runtime() + " cannot run it: "
                    + result.cannotRun());
        }
        return new Device.Measured(result.batch1().p50Millis(), result.batch1().p95Millis(), result.loadMillis(),
                result.runtime(), null);
    }

    private static Map<String, Object> report(String id, String recipe, String precision,
            VariantMeasurement.Measurement measurement, ClassificationMetrics metrics, ClassificationMetrics original,
            String evaluatedOn, Map<String, String> details) {
        Map<String, Object> report = new LinkedHashMap<>();
        if (id != null) {
            report.put("variantId", id);
        }
        report.put("recipe", recipe);
        report.put("precision", precision);
        report.put("bytes", measurement.bytes());
        report.put("peakMemoryBytes", measurement.peakMemoryBytes());
        if (measurement.peakMemoryBytes() == null) {
            report.put("peakMemoryProblem", measurement.peakMemoryProblem());
        }
        Map<String, Object> latency = new LinkedHashMap<>();
        latency.put("batch1", measurement.batch1());
        latency.put("batch32", measurement.batch32());
        latency.put("threads", 1);
        latency.put("relativeToOriginal", measurement.relativeLatency());
        report.put("hostLatency", latency);
        report.put("accuracy", metrics.accuracy());
        report.put("macroF1", metrics.macroF1());
        report.put("evaluatedOn", evaluatedOn);
        report.put("accuracyDelta", round(metrics.accuracy() - original.accuracy()));
        report.put("macroF1Delta", round(metrics.macroF1() - original.macroF1()));
        Map<String, Object> perClass = new LinkedHashMap<>();
        for (int c = 0; c < metrics.perClass().size(); c++) {
            perClass.put(metrics.perClass().get(c).label(), round(metrics.perClass().get(c).f1()
                    - original.perClass().get(c).f1()));
        }
        report.put("perClassF1Delta", perClass);
        report.put("details", details);
        return report;
    }

    private static Map<String, Object> validationFigures(ClassificationMetrics metrics, ClassificationMetrics original,
            String rows) {
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("rows", rows);
        figures.put("accuracy", metrics.accuracy());
        figures.put("macroF1", metrics.macroF1());
        figures.put("accuracyDelta", round(metrics.accuracy() - original.accuracy()));
        return figures;
    }

    private static Map<String, Object> figures(Map<String, Object> report) {
        Map<String, Object> figures = new LinkedHashMap<>();
        for (String key : List.of("variantId", "recipe", "bytes", "hostLatency", "accuracy", "accuracyDelta")) {
            figures.put(key, report.get(key));
        }
        return figures;
    }

    private static double round(double value) {
        return Math.round(value * 10000) / 10000.0;
    }
}
