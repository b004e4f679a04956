package dev.bonsai.inference;

import dev.bonsai.engine.BaseModel;
import dev.bonsai.engine.train.SoftmaxHead;
import dev.bonsai.model.ModelCreated;
import dev.bonsai.model.ModelDeleted;
import dev.bonsai.model.ModelService;
import dev.bonsai.platform.BonsaiConfig;
import dev.bonsai.platform.Changes;
import dev.bonsai.platform.Problem;
import dev.bonsai.platform.ProblemException;
import dev.bonsai.platform.ProblemType;
import dev.bonsai.platform.ReadCache;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** Predictions with a model's variant: validation, the session cache, and the answer's shape. */
@ApplicationScoped
public class PredictionService {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(PredictionService.class);

    /** The body of {@code POST /v1/models/{id}/predictions}. */
    public record PredictRequest(List<String> inputs, String variant, Integer topK, Boolean returnEmbedding) {
    }

    public record LabelScore(String label, double score) {
    }

    /** One input's answer: the top label, and the {@code topK} best labels with their probabilities. */
    public record Prediction(String label, double score,
            @Schema(nullable = true, description = "The topK best labels with their probabilities, best first; null"
                    + " without topK") List<LabelScore> labels,
            @Schema(nullable = true, description = "The pooled text embedding; null unless returnEmbedding")
            float[] embedding) {
    }

    public record Usage(int inputs, int tokens) {
    }

    public record Predictions(List<Prediction> data, String model, String variant, Usage usage) {
    }

    @Inject
    ModelService models;

    @Inject
    SessionCache cache;

    @Inject
    BonsaiConfig config;

    @Inject
    MeterRegistry registry;

    @Inject
    RateLimiter rateLimiter;

    @Inject
    SharedEncoders shared;

    @Inject
    Changes changes;

    @Inject
    jakarta.enterprise.event.Event<ModelCreated> created;

    /** A resolved variant and how to load it. */
    private record Lookup(ModelService.ServingInfo serving, SessionCache.VariantSource source) {
    }

    /**
     * What predictions read about a tenant's model and variant (two database reads and the
     * variant's settings), by tenant, model and variant asked for: a key carries the tenant, so an
     * entry never answers another tenant.
     */
    private ReadCache<String, Lookup> lookups;

    @jakarta.annotation.PostConstruct
    void init() {
        lookups = new ReadCache<>(config.inference().lookupTtl(), 10_000);
    }

    /** What a variant makes of some texts: each one's probability per label, in the model's label order. */
    public record Scores(String modelId, String variantId, List<String> labels, float[][] probabilities,
            float[][] embeddings, int tokens) {
    }

    public Predictions predict(String tenantId, String modelId, PredictRequest request) {
        rateLimiter.acquire(tenantId);
        validate(request);
        Lookup lookup = lookup(tenantId, modelId, request.variant());
        int classes = lookup.serving().labels().size();
        int topK = request.topK() == null ? classes : request.topK();
        if (topK > classes) {
            throw ProblemException.invalidField("/topK", "topK must be at most " + classes + ", the model's number of labels.");
        }
        Scores scores = score(lookup, request.inputs());
        registry.summary("bonsai.predictions.batch.size").record(request.inputs().size());
        boolean embeddings = Boolean.TRUE.equals(request.returnEmbedding());
        List<Prediction> data = new ArrayList<>();
        for (int i = 0; i < request.inputs().size(); i++) {
            List<LabelScore> top = ranked(scores.labels(), scores.probabilities()[i]).subList(0, topK);
            data.add(new Prediction(top.get(0).label(), top.get(0).score(), List.copyOf(top),
                    embeddings ? scores.embeddings()[i] : null));
        }
        return new Predictions(data, scores.modelId(), scores.variantId(), new Usage(request.inputs().size(), scores.tokens()));
    }

    /**
     * What a variant makes of {@code texts}, through the same sessions and shared encoder as
     * {@link #predict}, so that the figures are the ones predictions answer; for work a job does on
     * the tenant's behalf (batches), which the request rate limit does not count. Texts are not
     * checked here. A job's thread has no request context, so the model is looked up in a
     * transaction (this one's, or its own).
     *
     * @param variant as in a prediction request (null: the original)
     */
    public Scores score(String tenantId, String modelId, String variant, List<String> texts) {
        Lookup lookup = io.quarkus.narayana.jta.QuarkusTransaction.joiningExisting()
                .call(() -> lookup(tenantId, modelId, variant));
        return score(lookup, texts);
    }

    /** Every label with its probability, best first (ties in label order). */
    public static List<LabelScore> ranked(List<String> labels, float[] probabilities) {
        List<LabelScore> ranked = new ArrayList<>();
        for (int c = 0; c < labels.size(); c++) {
            ranked.add(new LabelScore(labels.get(c), probabilities[c]));
        }
        ranked.sort(Comparator.comparingDouble(LabelScore::score).reversed());
        return ranked;
    }

    private Scores score(Lookup lookup, List<String> texts) {
        ModelService.ServingInfo serving = lookup.serving();
        SessionCache.VariantSource source = lookup.source();
        Timer.Sample sample = Timer.start(registry);
        LoadedVariant.Output output;
        try {
            output = sharesTheBaseEncoder(serving) ? viaSharedEncoder(serving, source, texts) : viaOwnSession(source, texts);
        } finally {
            sample.stop(registry.timer("bonsai.predictions", "outcome", "done"));
        }
        return new Scores(serving.modelId(), serving.variantId(), serving.labels(), output.probabilities(),
                output.embeddings(), output.tokens());
    }

    /** Loads a new model's session, or its head and the shared encoder, before its first request. */
    void modelCreated(@jakarta.enterprise.event.ObservesAsync ModelCreated event) {
        if (!config.inference().warmOnCreate() || !config.role().servesApi()) {
            return;
        }
        try {
            warm(event.tenantId(), event.modelId(), "original");
        } catch (RuntimeException e) {
            // A model deleted at once, or a busy encoder: the first request loads it instead. Said, not swallowed.
            LOG.infof("Model %s was not warmed up (%s); its first request will load it.", event.modelId(), e.toString());
        }
    }

    /**
     * Loads what predictions with {@code variant} of a model need (its session, or its head and the
     * shared encoder), running one text through it; {@code variant} null is the one served by default.
     */
    void warm(String tenantId, String modelId, String variant) {
        ModelService.ServingInfo serving = io.quarkus.narayana.jta.QuarkusTransaction.requiringNew()
                .call(() -> models.serving(tenantId, modelId, variant));
        BaseModel baseModel = BaseModel.byId(serving.baseModel()).orElseThrow();
        SessionCache.VariantSource source = source(serving, baseModel);
        if (sharesTheBaseEncoder(serving)) {
            viaSharedEncoder(serving, source, List.of("warm-up"));
        } else {
            cache.acquire(source).release();
        }
    }

    /** The variant a request names, from the recent lookups or else from the database. */
    private Lookup lookup(String tenantId, String modelId, String variant) {
        String key = tenantId + '/' + modelId + '/' + (variant == null ? "original" : variant);
        Lookup lookup = lookups.get(key, changes.listening());
        if (lookup == null) {
            long generation = lookups.generation();
            ModelService.ServingInfo serving = models.serving(tenantId, modelId, variant);
            lookup = new Lookup(serving, source(serving, BaseModel.byId(serving.baseModel()).orElseThrow()));
            lookups.put(key, lookup, generation);
        }
        return lookup;
    }

    void changed(@Observes(during = TransactionPhase.AFTER_SUCCESS) Changes.Change change) {
        switch (change.kind()) {
            case MODEL -> forget(change.id());
            case MODEL_CREATED -> {
                int slash = change.id().indexOf('/');
                // Off the thread that hears changes: loading a model takes seconds.
                created.fireAsync(new ModelCreated(change.id().substring(0, slash), change.id().substring(slash + 1)));
            }
            case EVERYTHING -> lookups.clear();
            default -> { }
        }
    }

    private void forget(String modelId) {
        lookups.removeIf(lookup -> lookup.serving().modelId().equals(modelId));
    }

    void modelDeleted(@Observes ModelDeleted event) {
        forget(event.modelId());
        event.variantIds().forEach(cache::invalidate);
        event.variantIds().forEach(shared::forget);
    }

    private static SessionCache.VariantSource source(ModelService.ServingInfo serving, BaseModel baseModel) {
        return new SessionCache.VariantSource(serving.variantId(), serving.sha256(), serving.bytes(), baseModel,
                ModelService.maxSequenceLength(serving.provenance(), baseModel), serving.labels(), serving.tokenizerSha256());
    }

    /**
     * A head-method model's original variant is the unchanged base encoder plus its head, so it is
     * served by the shared encoder; every other variant has weights of its own.
     */
    private static boolean sharesTheBaseEncoder(ModelService.ServingInfo serving) {
        return serving.provenance() != null && "head".equals(serving.provenance().get("bonsai.method"))
                && serving.provenance().get("recipe") == null && serving.tokenizerSha256() == null;
    }

    private LoadedVariant.Output viaSharedEncoder(ModelService.ServingInfo serving, SessionCache.VariantSource source,
            List<String> inputs) {
        SoftmaxHead head = shared.head(serving.variantId(), serving.sha256(), serving.headSha256());
        SharedEncoders.Embedded embedded = shared.embed(source.baseModel(), source.maxSequenceLength(), inputs);
        return new LoadedVariant.Output(head.probabilities(embedded.embeddings()), embedded.embeddings(),
                embedded.tokens());
    }

    private LoadedVariant.Output viaOwnSession(SessionCache.VariantSource source, List<String> inputs) {
        LoadedVariant variant = cache.acquire(source);
        try {
            if (!variant.enterQueue()) {
                registry.counter("bonsai.predictions.rejected", "reason", "overloaded").increment();
                throw new ProblemException(ProblemType.UNAVAILABLE, "This model has " + config.inference()
                        .maxQueuedPerVariant() + " requests running or waiting; retry shortly.", List.of(), Map.of(),
                        Map.of("Retry-After", "1"));
            }
            try {
                return variant.run(inputs);
            } finally {
                variant.leaveQueue();
            }
        } finally {
            variant.release();
        }
    }

    private void validate(PredictRequest request) {
        List<Problem.FieldError> errors = new ArrayList<>();
        List<String> inputs = request == null ? null : request.inputs();
        int max = config.inference().maxInputs();
        if (inputs == null || inputs.isEmpty()) {
            errors.add(new Problem.FieldError("/inputs", "Send 1 to " + max + " texts in inputs."));
        } else if (inputs.size() > max) {
            errors.add(new Problem.FieldError("/inputs", "At most " + max + " texts per request; this one has " + inputs.size() + "."));
        } else {
            for (int i = 0; i < inputs.size(); i++) {
                String text = inputs.get(i);
                if (text == null || text.isBlank()) {
                    errors.add(new Problem.FieldError("/inputs/" + i, "Texts must not be empty."));
                } else if (text.length() > config.inference().maxInputLength()) {
                    errors.add(new Problem.FieldError("/inputs/" + i, "Texts may be at most "
                            + config.inference().maxInputLength() + " characters."));
                }
                if (errors.size() >= 10) {
                    break;
                }
            }
        }
        if (request != null && request.topK() != null && request.topK() < 1) {
            errors.add(new Problem.FieldError("/topK", "topK must be at least 1."));
        }
        if (!errors.isEmpty()) {
            String detail = errors.size() == 1 ? errors.get(0).detail() : errors.size() + " fields are invalid.";
            throw new ProblemException(ProblemType.VALIDATION_FAILED, detail, errors, Map.of(), Map.of());
        }
    }

}
