package dev.bonsai.finetune;

import dev.bonsai.blob.BlobStore;
import dev.bonsai.dataset.DatasetTexts;
import dev.bonsai.dataset.Split;
import dev.bonsai.engine.BaseModel;
import dev.bonsai.engine.evaluate.RetrievalMetrics;
import dev.bonsai.engine.graph.ClassifierExport;
import dev.bonsai.engine.runtime.Encoder;
import dev.bonsai.engine.text.TextTokenizer;
import dev.bonsai.engine.train.ContrastiveTrainer;
import dev.bonsai.engine.train.EncoderTrainer;
import dev.bonsai.job.Attempt;
import dev.bonsai.job.JobLifecycle;
import dev.bonsai.job.JobStopped;
import dev.bonsai.model.ModelService;
import dev.bonsai.platform.BonsaiConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * A fine-tuning job of task {@code embedding}: reads the pair dataset, measures what the base model
 * retrieves on the validation and test pairs, trains the encoder contrastively ({@link
 * ContrastiveTrainer}, {@code partial} or {@code full}), keeps the epoch with the best validation
 * MRR@10, reads the test pairs once for it, and registers an embedding model whose graph outputs
 * the pooled, normalised embedding.
 */
@ApplicationScoped
class EmbeddingFineTune {

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** Defaults: sentence-transformers' documented ones for this loss (not tuned here). */
    static final int EPOCHS = 3;
    static final int BATCH_SIZE = 32;

    @Inject
    DatasetTexts data;

    @Inject
    BlobStore blobs;

    @Inject
    ModelService models;

    @Inject
    BonsaiConfig config;

    @Inject
    JobLifecycle lifecycle;

    void train(FineTuneJobEntity job, Attempt<FineTuneJobEntity> attempt) throws IOException, SQLException {
        AtomicInteger lastEpoch = new AtomicInteger();
        JobCheckpoints checkpoints = new JobCheckpoints(attempt, blobs, lastEpoch::get);
        BooleanSupplier cancelled = attempt.cancellation();
        if (job.checkpointEpoch != null) {
            attempt.message("info", "Resuming training from the checkpoint saved after epoch " + job.checkpointEpoch + ".");
        }
        BaseModel model = BaseModel.byId(job.baseModel).orElseThrow();
        DatasetTexts.Pairs pairs = read(job.tenantId, job.datasetId, "dataset");
        Object validationDataset = job.hyperparameters.get("validationDataset");
        DatasetTexts.Pairs validationPairs = validationDataset == null ? null
                : read(job.tenantId, validationDataset.toString(), "validationDataset");

        int[] trainAt = pairs.indexes(validationPairs == null ? EnumSet.of(Split.TRAIN) : EnumSet.of(Split.TRAIN, Split.VALIDATION));
        ContrastiveTrainer.Pairs train = pick(pairs, trainAt);
        ContrastiveTrainer.Pairs validationSet = validationPairs == null ? pick(pairs, pairs.indexes(EnumSet.of(Split.VALIDATION)))
                : pick(validationPairs, validationPairs.indexes(EnumSet.allOf(Split.class)));
        ContrastiveTrainer.Pairs testSet = pick(pairs, pairs.indexes(EnumSet.of(Split.TEST)));
        if (train.size() < 2) {
            throw new JobStopped("too_few_pairs", "The dataset has " + train.size() + " training pairs; contrastive training"
                    + " needs at least 2.", "dataset");
        }
        RetrievalMetrics.Task validation = RetrievalMetrics.Task.ofPairs(validationSet.anchors(), validationSet.positives(),
                validationSet.negatives());
        if (validation.isEmpty()) {
            attempt.message("warning", "The dataset has no validation pairs; epochs are chosen on the training pairs.");
            validation = RetrievalMetrics.Task.ofPairs(train.anchors(), train.positives(), train.negatives());
        } else if (validation.queries().size() < Split.ENOUGH_VALIDATION_ROWS) {
            attempt.message("warning", "Only " + validation.queries().size() + " validation queries: the best epoch is"
                    + " chosen on few pairs, so it may be chance.");
        }
        RetrievalMetrics.Task test = RetrievalMetrics.Task.ofPairs(testSet.anchors(), testSet.positives(), testSet.negatives());

        int maxLength = intOr(job.hyperparameters.get("maxSequenceLength"), -1);
        if (maxLength < 0) {
            List<String> texts = new ArrayList<>(train.anchors());
            texts.addAll(train.positives());
            try (TextTokenizer tokenizer = TextTokenizer.open(model)) {
                maxLength = tokenizer.lengthCovering(texts, FineTuneWorker.AUTO_LENGTH_SHARE, FineTuneWorker.AUTO_LENGTH_STEP,
                        model.maxSequenceLength());
            }
            if (job.checkpointEpoch == null) {
                attempt.message("info", "Maximum sequence length " + maxLength + " tokens: enough for "
                        + Math.round(FineTuneWorker.AUTO_LENGTH_SHARE * 100) + "% of the training anchors and positives ("
                        + model.id() + " reads up to " + model.maxSequenceLength() + ").");
            }
        }
        Encoder.Options options = new Encoder.Options(config.engine().intraOpThreads(), 32, maxLength);

        attempt.message("info", "Measuring what " + model.id() + " retrieves before training: " + validation.queries().size()
                + " validation queries over " + validation.documents().size() + " documents"
                + (test.isEmpty() ? "." : ", " + test.queries().size() + " test queries over " + test.documents().size() + "."));
        byte[] baseGraph = model.readGraph();
        RetrievalMetrics baseValidation;
        RetrievalMetrics baseTest;
        try (Encoder base = Encoder.open(model, baseGraph, options)) {
            baseValidation = evaluate(base, validation);
            attempt.progress(0.05);
            baseTest = test.isEmpty() ? null : evaluate(base, test);
        }
        attempt.progress(0.1);
        if (cancelled.getAsBoolean()) {
            throw JobStopped.cancelled();
        }

        EncoderTrainer.Settings settings = settings(job, model, maxLength);
        attempt.message("info", "Training " + (settings.trainableLayers() >= model.layers() ? "all " + model.layers()
                + " layers and the embeddings" : "the top " + settings.trainableLayers() + " of " + model.layers() + " layers")
                + " contrastively on " + train.size() + " pairs (in-batch negatives, scale " + ContrastiveTrainer.SCALE + "): "
                + settings.epochs() + " epochs at most, batch " + settings.batchSize() + ", learning rate "
                + settings.learningRate() + ", seed " + settings.seed() + ". Base model's validation MRR@10 "
                + baseValidation.mrrAt10() + ".");
        ContrastiveTrainer.Result result = new ContrastiveTrainer().train(model, baseGraph, train, validation, settings,
                (epoch, total) -> {
                    attempt.metrics("Epoch " + epoch.epoch() + " of at most " + total, epochData(epoch));
                    lastEpoch.set(epoch.epoch());
                }, (step, total) -> {
                    if (step % 5 == 0 || step == total) {
                        attempt.progress(0.1 + 0.8 * step / total);
                    }
                }, cancelled, checkpoints);
        RetrievalMetrics bestValidation = result.epochs().get(result.bestEpoch() - 1).validation();

        Map<String, String> provenance = new TreeMap<>();
        provenance.put("bonsai.baseModel", model.id());
        provenance.put("bonsai.baseModelSource", model.source());
        provenance.put("bonsai.datasetSha256", pairs.datasetSha256());
        provenance.put("bonsai.method", job.method);
        provenance.put("bonsai.task", "embedding");
        provenance.put("bonsai.hyperparameters", describe(settings));
        provenance.put("bonsai.job", job.id);
        String djl = ai.djl.engine.Engine.getDjlVersion();
        provenance.put("bonsai.libraries", "onnxruntime " + ai.onnxruntime.OrtEnvironment.getEnvironment().getVersion()
                + ", djl-tokenizers " + djl + ", djl-pytorch " + djl + " (PyTorch "
                + ai.djl.engine.Engine.getEngine("PyTorch").getVersion() + ")");
        byte[] graph = ClassifierExport.exportEmbedder(result.encoderGraph(), model, provenance);
        RetrievalMetrics testFigures = null;
        if (!test.isEmpty()) {
            // The test pairs, read once, for the chosen epoch, through the graph that will be served.
            try (Encoder trained = Encoder.open(model, result.encoderGraph(), options)) {
                testFigures = evaluate(trained, test);
            }
        }
        attempt.progress(0.97);
        attempt.message("info", "Best epoch " + result.bestEpoch() + " (validation MRR@10 " + bestValidation.mrrAt10()
                + " against the base model's " + baseValidation.mrrAt10() + ")" + (testFigures == null ? "."
                        : "; test recall@10 " + testFigures.recallAt10() + " and MRR@10 " + testFigures.mrrAt10()
                                + " against the base model's " + baseTest.recallAt10() + " and " + baseTest.mrrAt10() + "."));
        if (cancelled.getAsBoolean()) {
            throw JobStopped.cancelled();
        }
        String sha256 = blobs.putBytes(graph);
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("bestEpoch", result.bestEpoch());
        metrics.put("epochsRun", result.epochs().size());
        metrics.put("trainingSamplesPerSecond", Math.round(result.samplesPerSecond() * 100) / 100.0);
        metrics.put("validation", bestValidation);
        metrics.put("test", testFigures);
        Map<String, Object> baseline = new LinkedHashMap<>();
        baseline.put("validation", baseValidation);
        baseline.put("test", baseTest);
        metrics.put("baseModel", baseline);
        ModelService.NewModel made = new ModelService.NewModel(job.tenantId, job.name == null ? job.id : job.name,
                model.id(), job.datasetId, job.id, job.method, "embedding", List.of(), metrics, sha256, graph.length,
                new LinkedHashMap<>(provenance), null);
        FineTuneJobEntity ended = lifecycle.succeed(attempt, metrics, row -> {
            row.modelId = models.register(made);
            return "Model " + row.modelId + " is ready.";
        });
        models.announce(made, ended.modelId);
    }

    private static RetrievalMetrics evaluate(Encoder encoder, RetrievalMetrics.Task task) {
        return RetrievalMetrics.of(encoder.embed(task.queries()), encoder.embed(task.documents()), task.relevant());
    }

    private DatasetTexts.Pairs read(String tenantId, String datasetId, String param) throws SQLException {
        return data.readPairs(tenantId, datasetId).orElseThrow(() -> new JobStopped("dataset_unavailable",
                "Dataset " + datasetId + " no longer exists.", param));
    }

    private static ContrastiveTrainer.Pairs pick(DatasetTexts.Pairs pairs, int[] rows) {
        return new ContrastiveTrainer.Pairs(DatasetTexts.Pairs.pick(pairs.anchors(), rows),
                DatasetTexts.Pairs.pick(pairs.positives(), rows),
                // Stream.toList keeps the nulls of pairs without a negative.
                java.util.stream.IntStream.of(rows).mapToObj(pairs.negatives()::get).toList());
    }

    /**
     * The requested values, else {@value #EPOCHS} epochs, batch {@value #BATCH_SIZE}, learning rate
     * {@link ContrastiveTrainer#LEARNING_RATE}, patience 2, and for partial the top third of the layers.
     */
    private static EncoderTrainer.Settings settings(FineTuneJobEntity job, BaseModel model, int maxLength) {
        Map<String, Object> requested = job.hyperparameters;
        int layers = job.method.equals("full") ? model.layers()
                : intOr(requested.get("unfreezeLayers"), Math.max(1, model.layers() / 3));
        long seed = requested.get("seed") instanceof Number number ? number.longValue() : 42L;
        return new EncoderTrainer.Settings(intOr(requested.get("epochs"), EPOCHS), intOr(requested.get("batchSize"), BATCH_SIZE),
                requested.get("learningRate") instanceof Number rate ? rate.doubleValue() : ContrastiveTrainer.LEARNING_RATE,
                0.01, EncoderTrainer.DROPOUT, seed, intOr(requested.get("earlyStoppingPatience"), 2), layers, maxLength, null);
    }

    private static String describe(EncoderTrainer.Settings settings) {
        Map<String, Object> recipe = new LinkedHashMap<>();
        recipe.put("epochs", settings.epochs());
        recipe.put("batchSize", settings.batchSize());
        recipe.put("learningRate", settings.learningRate());
        recipe.put("weightDecay", settings.weightDecay());
        recipe.put("dropout", settings.dropout());
        recipe.put("seed", settings.seed());
        recipe.put("earlyStoppingPatience", settings.earlyStoppingPatience());
        recipe.put("trainableLayers", settings.trainableLayers());
        recipe.put("maxSequenceLength", settings.maxSequenceLength());
        recipe.put("loss", "multiple negatives ranking, scale " + ContrastiveTrainer.SCALE);
        try {
            return JSON.writeValueAsString(recipe);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("A recipe of numbers is always JSON", e);
        }
    }

    private static Map<String, Object> epochData(ContrastiveTrainer.Epoch epoch) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("epoch", epoch.epoch());
        data.put("trainLoss", epoch.trainLoss());
        data.put("validationRecallAt1", epoch.validation().recallAt1());
        data.put("validationRecallAt10", epoch.validation().recallAt10());
        data.put("validationMrrAt10", epoch.validation().mrrAt10());
        data.put("validationNdcgAt10", epoch.validation().ndcgAt10());
        return data;
    }

    private static int intOr(Object value, int fallback) {
        return value instanceof Number number ? number.intValue() : fallback;
    }
}
