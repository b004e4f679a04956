package dev.bonsai.finetune;

import dev.bonsai.blob.BlobStore;
import dev.bonsai.dataset.DatasetTexts;
import dev.bonsai.dataset.LabelledTexts;
import dev.bonsai.dataset.Split;
import dev.bonsai.engine.BaseModel;
import dev.bonsai.engine.evaluate.ClassificationMetrics;
import dev.bonsai.engine.runtime.Encoder;
import dev.bonsai.engine.text.TextTokenizer;
import dev.bonsai.engine.train.EncoderTrainer;
import dev.bonsai.engine.train.HeadTrainer;
import dev.bonsai.engine.train.SoftmaxHead;
import dev.bonsai.job.Attempt;
import dev.bonsai.job.JobLifecycle;
import dev.bonsai.job.JobStopped;
import dev.bonsai.job.JobWorker;
import dev.bonsai.model.ModelService;
import dev.bonsai.model.VariantGraphs;
import dev.bonsai.platform.BonsaiConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Runs a fine-tuning job outside any transaction: reads the dataset's rows, embeds them with the
 * frozen base model (cached in blob storage per base model, length and dataset content, so a
 * resumed or repeated job skips it), trains the head, evaluates it on the test split, exports one
 * ONNX graph and registers the model. Failure is recorded on the job, never thrown.
 */
@ApplicationScoped
public class FineTuneWorker implements JobWorker<FineTuneJobEntity> {

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** The automatic maximum sequence length holds this share of the dataset's texts whole… */
    static final double AUTO_LENGTH_SHARE = 0.99;
    /** …rounded up to a multiple of this many tokens. */
    static final int AUTO_LENGTH_STEP = 16;

    @Inject
    DatasetTexts data;

    @Inject
    EmbeddingCache cache;

    @Inject
    BlobStore blobs;

    @Inject
    ModelService models;

    @Inject
    BonsaiConfig config;

    @Inject
    JobLifecycle lifecycle;

    @Inject
    EmbeddingFineTune embeddings;

    @Override
    public String taskName() {
        return FineTuneJobService.TASK;
    }

    @Override
    public Class<FineTuneJobEntity> jobType() {
        return FineTuneJobEntity.class;
    }

    @Override
    public String cancelledMessage() {
        return "Job cancelled; no model was produced.";
    }

    @Override
    public String failedMessage() {
        return "Training failed on our side; the job can be created again.";
    }

    @Override
    public void work(FineTuneJobEntity job, Attempt<FineTuneJobEntity> attempt) throws IOException, SQLException {
        try {
            if ("embedding".equals(job.task)) {
                embeddings.train(job, attempt);
            } else {
                train(job, attempt);
            }
        } catch (EncoderTrainer.DivergedException e) {
            throw new JobStopped("training_diverged", "Training diverged (" + e.getMessage() + "); try a lower learningRate.",
                    "hyperparameters.learningRate");
        }
    }

    /** Its checkpoint: a job that has ended never resumes. */
    @Override
    public void ended(String jobId) throws IOException {
        JobCheckpoints.discard(jobId, blobs);
    }

    private void train(FineTuneJobEntity job, Attempt<FineTuneJobEntity> attempt) throws IOException, SQLException {
        // The epoch this job's trainer last finished, for its checkpoint's record: the job's own, since a
        // server runs several jobs at once when BONSAI_JOB_CONCURRENCY is above 1.
        AtomicInteger lastEpoch = new AtomicInteger();
        JobCheckpoints checkpoints = new JobCheckpoints(attempt, blobs, lastEpoch::get);
        java.util.function.BooleanSupplier cancelled = attempt.cancellation();
        if (job.checkpointEpoch != null) {
            attempt.message("info", "Resuming training from the checkpoint saved after epoch " + job.checkpointEpoch + ".");
        }
        BaseModel model = BaseModel.byId(job.baseModel).orElseThrow();
        DatasetTexts.Rows rows = read(job.tenantId, job.datasetId, "dataset");
        List<String> labels = rows.labels().stream().distinct().sorted().toList();
        Object validationDataset = job.hyperparameters.get("validationDataset");
        DatasetTexts.Rows validationRows = validationDataset == null ? null
                : read(job.tenantId, validationDataset.toString(), "validationDataset");
        int maxLength = intOr(job.hyperparameters.get("maxSequenceLength"), -1);
        if (maxLength < 0) {
            try (TextTokenizer tokenizer = TextTokenizer.open(model)) {
                maxLength = tokenizer.lengthCovering(rows.texts(), AUTO_LENGTH_SHARE, AUTO_LENGTH_STEP, model.maxSequenceLength());
            }
            if (job.checkpointEpoch == null) {
                attempt.message("info", "Maximum sequence length " + maxLength + " tokens: enough for "
                        + Math.round(AUTO_LENGTH_SHARE * 100) + "% of the dataset's texts (" + model.id() + " reads up to "
                        + model.maxSequenceLength() + ").");
            }
        }
        Encoder.Options options = new Encoder.Options(config.engine().intraOpThreads(), 32, maxLength);

        boolean headOnly = job.method.equals("head");
        double embedded = headOnly ? 0.8 : 0.3;
        float[][] embeddings = embeddings(attempt, model, options, rows, 0.0, validationRows == null ? embedded : embedded * 0.75,
                cancelled);
        float[][] validationEmbeddings = validationRows == null ? null
                : embeddings(attempt, model, options, validationRows, embedded * 0.75, embedded, cancelled);

        // With a validation dataset of its own, the dataset's validation rows train too (in file order).
        int[] trainAt = rows.indexes(validationRows == null ? EnumSet.of(Split.TRAIN) : EnumSet.of(Split.TRAIN, Split.VALIDATION));
        int[] validationAt = validationRows == null ? rows.indexes(Split.VALIDATION) : new int[0];
        int[] testAt = rows.indexes(Split.TEST);
        LabelledTexts trainSet = rows.labelled(trainAt, labels);
        float[][] trainX = pick(embeddings, trainAt);
        LabelledTexts validationSet = rows.labelled(validationAt, labels);
        float[][] validationX = pick(embeddings, validationAt);
        LabelledTexts testSet = rows.labelled(testAt, labels);
        float[][] testX = pick(embeddings, testAt);
        if (validationRows != null) {
            LabelledTexts own = validationRows.labelled(labels);
            int unknown = own.firstUnknown();
            if (unknown >= 0) {
                throw new JobStopped("unknown_label", "The validation dataset has the label '"
                        + validationRows.labels().get(unknown) + "', which the training dataset does not.", "validationDataset");
            }
            validationSet = validationSet.plus(own);
            validationX = Stream.concat(Arrays.stream(validationX), Arrays.stream(validationEmbeddings)).toArray(float[][]::new);
        }
        if (!validationSet.isEmpty()) {
            long fewest = Arrays.stream(validationSet.perLabel(labels.size())).min().orElse(0);
            if (Split.tooFewToChooseOn(validationSet.size(), fewest)) {
                attempt.message("warning", Split.tooFewMessage(validationSet.size(), fewest));
            }
        }
        if (validationSet.isEmpty()) {
            attempt.message("warning", "The dataset has no validation rows; epochs are chosen on the training rows.");
            validationX = trainX;
            validationSet = trainSet;
        }
        int[] trainLabels = trainSet.labels();
        HeadTrainer.Settings hyperparameters = resolve(job.hyperparameters, trainLabels, labels.size());
        if (!headOnly) {
            // The head is warmed up on frozen embeddings with automatic settings; the requested ones
            // are for the encoder training that follows.
            hyperparameters = HeadTrainer.resolve(null, null, null, hyperparameters.seed(), null,
                    hyperparameters.classWeights(), trainLabels, labels.size());
        }
        attempt.message("info", (headOnly ? "Training the head: " : "Warming up the head on frozen embeddings: ")
                + hyperparameters.epochs() + " epochs at most, batch " + hyperparameters.batchSize() + ", learning rate "
                + hyperparameters.learningRate() + ", seed " + hyperparameters.seed() + ".");
        double headFrom = embedded;
        double headTo = headOnly ? 0.95 : embedded + 0.05;
        HeadTrainer.Result result = new HeadTrainer().train(trainX, trainLabels, validationX, validationSet.labels(), labels,
                hyperparameters, (epoch, total) -> {
                    if (headOnly) {
                        attempt.metrics("Epoch " + epoch.epoch() + " of at most " + total, epochData(epoch));
                        lastEpoch.set(epoch.epoch());
                    }
                    attempt.progress(headFrom + (headTo - headFrom) * epoch.epoch() / total);
                }, cancelled, headOnly ? checkpoints : dev.bonsai.engine.train.Checkpoints.NONE);
        if (!headOnly) {
            attempt.message("info", "Head warmed up in " + result.epochs().size() + " epochs (validation macro-F1 "
                    + result.epochs().get(result.bestEpoch() - 1).validation().macroF1() + ").");
        }
        SoftmaxHead head = result.head();
        byte[] encoderGraph = model.readGraph();
        ClassificationMetrics validation = result.epochs().get(result.bestEpoch() - 1).validation();
        int bestEpoch = result.bestEpoch();
        int epochsRun = result.epochs().size();
        Double samplesPerSecond = null;
        String recipe = describe(hyperparameters, maxLength);
        if (!headOnly) {
            EncoderTrainer.Settings encoderHyperparameters = encoderHyperparameters(job, model, hyperparameters,
                    maxLength);
            recipe = describe(encoderHyperparameters);
            attempt.message("info", "Fine-tuning " + (encoderHyperparameters.trainableLayers() >= model.layers()
                    ? "all " + model.layers() + " layers and the embeddings" : "the top " + encoderHyperparameters.trainableLayers()
                    + " of " + model.layers() + " layers") + " with the head: " + encoderHyperparameters.epochs()
                    + " epochs at most, batch " + encoderHyperparameters.batchSize() + ", learning rate "
                    + encoderHyperparameters.learningRate() + ", dropout " + encoderHyperparameters.dropout() + ".");
            double encoderFrom = headTo;
            EncoderTrainer.Result encoderResult = new EncoderTrainer().train(model, encoderGraph, trainSet.texts(), trainLabels,
                    validationSet.texts(), validationSet.labels(), labels, head,
                    encoderHyperparameters, (epoch, total) -> {
                        attempt.metrics("Epoch " + epoch.epoch() + " of at most " + total, epochData(epoch));
                        lastEpoch.set(epoch.epoch());
                    }, (step, total) -> {
                        if (step % 5 == 0 || step == total) {
                            attempt.progress(encoderFrom + (0.95 - encoderFrom) * step / total);
                        }
                    }, cancelled, checkpoints);
            encoderGraph = encoderResult.encoderGraph();
            head = encoderResult.head();
            validation = encoderResult.epochs().get(encoderResult.bestEpoch() - 1).validation();
            bestEpoch = encoderResult.bestEpoch();
            epochsRun = encoderResult.epochs().size();
            samplesPerSecond = Math.round(encoderResult.samplesPerSecond() * 100) / 100.0;
            if (!testSet.isEmpty()) {
                try (Encoder trained = Encoder.open(model, encoderGraph, options)) {
                    testX = trained.embed(testSet.texts());
                }
            }
        }

        ClassificationMetrics test = testSet.isEmpty() ? null : ClassificationMetrics.of(testSet.labels(),
                SoftmaxHead.argmax(head.probabilities(testX)), labels);
        attempt.message("info", "Best epoch " + bestEpoch + " (validation macro-F1 "
                + validation.macroF1() + ")" + (test == null ? "." : "; test accuracy " + test.accuracy() + ", macro-F1 "
                + test.macroF1() + "."));
        if (cancelled.getAsBoolean()) {
            throw JobStopped.cancelled();
        }

        Map<String, String> provenance = new LinkedHashMap<>();
        provenance.put("bonsai.baseModel", model.id());
        provenance.put("bonsai.baseModelSource", model.source());
        provenance.put("bonsai.datasetSha256", rows.datasetSha256());
        provenance.put("bonsai.method", job.method);
        provenance.put("bonsai.hyperparameters", recipe);
        provenance.put("bonsai.job", job.id);
        // Read from the libraries themselves; PyTorch only where it trained (a head job never loads it).
        String djl = ai.djl.engine.Engine.getDjlVersion();
        provenance.put("bonsai.libraries", "onnxruntime " + ai.onnxruntime.OrtEnvironment.getEnvironment().getVersion()
                + ", djl-tokenizers " + djl + (headOnly ? "" : ", djl-pytorch " + djl + " (PyTorch "
                + ai.djl.engine.Engine.getEngine("PyTorch").getVersion() + ")"));
        byte[] graph = VariantGraphs.export(encoderGraph, model, head, labels, provenance);
        String sha256;
        String headSha256 = null;
        if (headOnly) {
            // The base encoder plus this head: only the head is stored (the shared encoder serves
            // it); VariantGraphs makes the graph again the first time it is read.
            sha256 = BlobStore.sha256(graph);
            headSha256 = blobs.putBytes(head.toBytes());
        } else {
            sha256 = blobs.putBytes(graph);
        }
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("bestEpoch", bestEpoch);
        metrics.put("epochsRun", epochsRun);
        metrics.put("trainingSamplesPerSecond", samplesPerSecond);
        metrics.put("validation", validation);
        metrics.put("test", test);
        ModelService.NewModel made = new ModelService.NewModel(job.tenantId, job.name == null ? job.id : job.name,
                model.id(), job.datasetId, job.id, job.method, "classification", labels, metrics, sha256, graph.length,
                new LinkedHashMap<>(provenance), headSha256);
        // The model is stored with the job's end, by the attempt that holds the job, or not at all.
        FineTuneJobEntity ended = lifecycle.succeed(attempt, metrics, row -> {
            row.modelId = models.register(made);
            return "Model " + row.modelId + " is ready.";
        });
        models.announce(made, ended.modelId);
    }

    private DatasetTexts.Rows read(String tenantId, String datasetId, String param) throws SQLException {
        return data.read(tenantId, datasetId).orElseThrow(() -> new JobStopped("dataset_unavailable",
                "Dataset " + datasetId + " no longer exists.", param));
    }

    private static float[][] pick(float[][] embeddings, int[] rows) {
        return IntStream.of(rows).mapToObj(i -> embeddings[i]).toArray(float[][]::new);
    }

    private float[][] embeddings(Attempt<FineTuneJobEntity> attempt, BaseModel model, Encoder.Options options, DatasetTexts.Rows rows,
            double from, double to, java.util.function.BooleanSupplier cancelled) throws IOException, SQLException {
        if (cache.contains(model, options, rows)) {
            attempt.message("info", "Embeddings of " + rows.texts().size() + " rows taken from the cache.");
        } else {
            attempt.message("info", "Embedding " + rows.texts().size() + " rows with " + model.id() + ".");
        }
        float[][] embeddings = cache.embed(model, options, rows,
                done -> attempt.progress(from + (to - from) * done),
                cancelled);
        attempt.progress(to);
        return embeddings;
    }

    private static HeadTrainer.Settings resolve(Map<String, Object> requested, int[] labels, int classes) {
        Object weights = requested.get("classWeights");
        double[] classWeights = null;
        if ("none".equals(weights)) {
            classWeights = new double[classes];
            java.util.Arrays.fill(classWeights, 1.0);
        } else if ("balanced".equals(weights)) {
            int[] counts = new int[classes];
            for (int label : labels) {
                counts[label]++;
            }
            classWeights = new double[classes];
            for (int c = 0; c < classes; c++) {
                classWeights[c] = counts[c] == 0 ? 1.0 : (double) labels.length / (classes * counts[c]);
            }
        }
        return HeadTrainer.resolve(integer(requested.get("epochs")), integer(requested.get("batchSize")),
                requested.get("learningRate") instanceof Number rate ? rate.doubleValue() : null,
                requested.get("seed") instanceof Number seed ? seed.longValue() : null,
                integer(requested.get("earlyStoppingPatience")), classWeights, labels, classes);
    }

    /**
     * Encoder training settings: the requested values, else 3 epochs, batch 16, learning rate
     * 5e-5, patience 2, and for partial the top third of the layers (at least one).
     */
    private static EncoderTrainer.Settings encoderHyperparameters(FineTuneJobEntity job, BaseModel model,
            HeadTrainer.Settings head, int maxLength) {
        Map<String, Object> requested = job.hyperparameters;
        int layers = job.method.equals("full") ? model.layers()
                : intOr(requested.get("unfreezeLayers"), Math.max(1, model.layers() / 3));
        return new EncoderTrainer.Settings(intOr(requested.get("epochs"), 3), intOr(requested.get("batchSize"), 16),
                requested.get("learningRate") instanceof Number rate ? rate.doubleValue() : EncoderTrainer.LEARNING_RATE, 0.01,
                EncoderTrainer.DROPOUT, head.seed(),
                intOr(requested.get("earlyStoppingPatience"), 2), layers, maxLength, head.classWeights());
    }

    /** The recipe recorded with the model (its provenance), as JSON. */
    private static String describe(EncoderTrainer.Settings hyperparameters) {
        Map<String, Object> recipe = new LinkedHashMap<>();
        recipe.put("epochs", hyperparameters.epochs());
        recipe.put("batchSize", hyperparameters.batchSize());
        recipe.put("learningRate", hyperparameters.learningRate());
        recipe.put("weightDecay", hyperparameters.weightDecay());
        recipe.put("dropout", hyperparameters.dropout());
        recipe.put("seed", hyperparameters.seed());
        recipe.put("earlyStoppingPatience", hyperparameters.earlyStoppingPatience());
        recipe.put("trainableLayers", hyperparameters.trainableLayers());
        recipe.put("maxSequenceLength", hyperparameters.maxSequenceLength());
        recipe.put("classWeights", hyperparameters.classWeights());
        return json(recipe);
    }

    private static Integer integer(Object value) {
        return value instanceof Number number ? number.intValue() : null;
    }

    private static int intOr(Object value, int fallback) {
        return value instanceof Number number ? number.intValue() : fallback;
    }

    private static String describe(HeadTrainer.Settings hyperparameters, int maxLength) {
        Map<String, Object> recipe = new LinkedHashMap<>();
        recipe.put("epochs", hyperparameters.epochs());
        recipe.put("batchSize", hyperparameters.batchSize());
        recipe.put("learningRate", hyperparameters.learningRate());
        recipe.put("seed", hyperparameters.seed());
        recipe.put("earlyStoppingPatience", hyperparameters.earlyStoppingPatience());
        recipe.put("maxSequenceLength", maxLength);
        recipe.put("classWeights", hyperparameters.classWeights());
        return json(recipe);
    }

    private static String json(Map<String, Object> value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("A recipe of numbers is always JSON", e);
        }
    }

    /** The figures of one epoch as an event's data. */
    private static Map<String, Object> epochData(HeadTrainer.Epoch epoch) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("epoch", epoch.epoch());
        data.put("trainLoss", round(epoch.trainLoss()));
        data.put("validationLoss", round(epoch.validationLoss()));
        data.put("validationAccuracy", epoch.validation().accuracy());
        data.put("validationMacroF1", epoch.validation().macroF1());
        return data;
    }

    private static double round(double value) {
        return Math.round(value * 1e6) / 1e6;
    }

}
