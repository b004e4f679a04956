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

    /**
     * The body of {@code POST /v1/models/{id}/embeddings}, shaped as OpenAI's: {@code input} a text or
     * a list of texts; {@code encoding_format} {@code float} (the default) or {@code base64}
     * (little-endian float32); {@code dimensions}, when sent, must be the model's. Other members of
     * OpenAI's request ({@code model}, {@code user}) are accepted and ignored: the model is the path's.
     */
    @Schema(name = "CreateEmbeddingsRequest")
    public record EmbeddingsRequest(
            @Schema(ref = "EmbeddingInput", required = true) Object input,
            @Schema(description = "A variant id, \"original\" or \"recommended\"") String variant,
            @com.fasterxml.jackson.annotation.JsonProperty("encoding_format")
            @Schema(enumeration = {"float", "base64"}, description = "float (the default) or base64 (little-endian float32)")
            String encodingFormat,
            @Schema(description = "The vectors' length; only the model's own is accepted") Integer dimensions) {
    }

    /** One input's vector: a list of numbers, or with {@code encoding_format=base64} their float32 bytes in base64. */
    public record Embedding(@Schema(enumeration = "embedding") String object,
            @Schema(ref = "EmbeddingVector") Object embedding, int index) {
    }

    public record EmbeddingsUsage(@com.fasterxml.jackson.annotation.JsonProperty("prompt_tokens") int promptTokens,
            @com.fasterxml.jackson.annotation.JsonProperty("total_tokens") int totalTokens) {
    }

    /** As OpenAI's answer: {@code object} "list", one {@link Embedding} per input in order, and the tokens read. */
    @Schema(name = "Embeddings")
    public record Embeddings(@Schema(enumeration = "list") String object, List<Embedding> data, String model,
            String variant, EmbeddingsUsage usage) {
    }

    public Embeddings embed(String tenantId, String modelId, EmbeddingsRequest request) {
        rateLimiter.acquire(tenantId);
        List<String> inputs = embeddingInputs(request);
        boolean base64 = "base64".equals(request.encodingFormat());
        Lookup lookup = lookup(tenantId, modelId, request.variant());
        BaseModel baseModel = lookup.source().baseModel();
        if (request.dimensions() != null && request.dimensions() != baseModel.dimensions()) {
            throw ProblemException.invalidField("/dimensions", "This model's vectors have " + baseModel.dimensions()
                    + " dimensions; it cannot shorten them.");
        }
        Scores scores = score(lookup, inputs);
        registry.summary("bonsai.embeddings.batch.size").record(inputs.size());
        List<Embedding> data = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            float[] vector = scores.embeddings()[i];
            data.add(new Embedding("embedding", base64 ? littleEndianBase64(vector) : vector, i));
        }
        return new Embeddings("list", data, scores.modelId(), scores.variantId(),
                new EmbeddingsUsage(scores.tokens(), scores.tokens()));
    }

    /** The vector's float32 values, little-endian, in base64: what OpenAI's clients decode. */
    static String littleEndianBase64(float[] vector) {
        java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(vector.length * Float.BYTES).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (float value : vector) {
            bytes.putFloat(value);
        }
        return java.util.Base64.getEncoder().encodeToString(bytes.array());
    }

    private List<String> embeddingInputs(EmbeddingsRequest request) {
        Object input = request == null ? null : request.input();
        List<String> inputs = new ArrayList<>();
        if (input instanceof String text) {
            inputs.add(text);
        } else if (input instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                if (!(list.get(i) instanceof String text)) {
                    throw ProblemException.invalidField("/input/" + i, "Each input is a text (token arrays are not accepted).");
                }
                inputs.add(text);
            }
        } else {
            throw ProblemException.invalidField("/input", "input is a text or a list of 1 to " + config.inference().maxInputs()
                    + " texts.");
        }
        if (request.encodingFormat() != null && !List.of("float", "base64").contains(request.encodingFormat())) {
            throw ProblemException.invalidField("/encoding_format", "encoding_format must be float or base64.");
        }
        validate(new PredictRequest(inputs, request.variant(), null, null), "/input");
        return inputs;
    }

    public Predictions predict(String tenantId, String modelId, PredictRequest request) {
        rateLimiter.acquire(tenantId);
        validate(request, "/inputs");
        Lookup lookup = lookup(tenantId, modelId, request.variant());
        if (lookup.serving().embeds()) {
            throw new ProblemException(ProblemType.CONFLICT, "Model " + modelId + " is an embedding model: it has no labels"
                    + " to predict. Ask POST /v1/models/" + modelId + "/embeddings for its vectors.");
        }
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

    /** Checks the texts ({@code pointer} names their member: "/inputs", an embeddings request's "/input") and topK. */
    private void validate(PredictRequest request, String pointer) {
        List<Problem.FieldError> errors = new ArrayList<>();
        List<String> inputs = request == null ? null : request.inputs();
        int max = config.inference().maxInputs();
        if (inputs == null || inputs.isEmpty()) {
            errors.add(new Problem.FieldError(pointer, "Send 1 to " + max + " texts in " + pointer.substring(1) + "."));
        } else if (inputs.size() > max) {
            errors.add(new Problem.FieldError(pointer, "At most " + max + " texts per request; this one has " + inputs.size() + "."));
        } else {
            for (int i = 0; i < inputs.size(); i++) {
                String text = inputs.get(i);
                if (text == null || text.isBlank()) {
                    errors.add(new Problem.FieldError(pointer + "/" + i, "Texts must not be empty."));
                } else if (text.length() > config.inference().maxInputLength()) {
                    errors.add(new Problem.FieldError(pointer + "/" + i, "Texts may be at most "
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
