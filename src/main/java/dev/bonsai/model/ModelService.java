package dev.bonsai.model;

import dev.bonsai.blob.BlobStore;
import dev.bonsai.platform.Changes;
import dev.bonsai.platform.Cursor;
import dev.bonsai.platform.Ids;
import dev.bonsai.platform.Page;
import dev.bonsai.platform.ProblemException;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.io.IOException;
import java.io.InputStream;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

@ApplicationScoped
public class ModelService {

    private static final Logger LOG = Logger.getLogger(ModelService.class);
    /** Reads recorded recipes on every prediction: one shared, thread-safe reader. */
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** What a finished fine-tuning job hands over; the artifact is already in blob storage. */
    public record NewModel(String tenantId, String name, String baseModel, String datasetId, String jobId, String method,
            String task, List<String> labels, Map<String, Object> metrics, String sha256, long bytes,
            Map<String, Object> provenance, String headSha256) {
    }

    /** An artifact to stream: its bytes come from {@link #open}. */
    public record Artifact(String sha256, long bytes, String fileName) {
    }

    @Inject
    BlobStore blobs;

    @Inject
    jakarta.enterprise.event.Event<ModelDeleted> deleted;

    /** Everything a prediction needs about one variant of a tenant's model. */
    public record ServingInfo(String modelId, String variantId, String sha256, long bytes, String baseModel,
            String task, List<String> labels, Map<String, Object> provenance, String tokenizerSha256, String headSha256) {

        public boolean embeds() {
            return "embedding".equals(task);
        }
    }

    /** A compressed variant to register; its graph (and tokenizer, if its own) are in blob storage. */
    public record NewVariant(String modelId, String jobId, int recipeIndex, String sha256, long bytes,
            String tokenizerSha256, Map<String, Object> metrics, Map<String, Object> provenance) {
    }

    /**
     * The variant to serve: {@code null} or "original", "recommended" (the latest compression
     * job's recommendation; the original until there is one) or a variant id of this model.
     */
    @Transactional(Transactional.TxType.SUPPORTS)
    public ServingInfo serving(String tenantId, String modelId, String variant) {
        ModelEntity model = find(tenantId, modelId);
        List<ModelVariantEntity> variants = variants(model.id);
        ModelVariantEntity chosen;
        String wanted = "recommended".equals(variant) ? model.recommendedVariantId : variant;
        if (wanted == null || wanted.equals("original")) {
            chosen = variants.stream().filter(candidate -> candidate.kind.equals("original")).findFirst()
                    .orElseThrow(() -> ProblemException.notFound("variant", "original"));
        } else {
            chosen = variants.stream().filter(candidate -> candidate.id.equals(wanted)).findFirst()
                    .orElseThrow(() -> ProblemException.notFound("variant", variant));
        }
        return new ServingInfo(model.id, chosen.id, chosen.sha256, chosen.bytes, model.baseModel, model.task, model.labels,
                chosen.provenance, chosen.tokenizerSha256, chosen.headSha256);
    }

    /**
     * Registers a finished job's model and its original variant in the caller's transaction (the
     * one that ends the job); {@link #announce} it once that has committed. The database holds one
     * model per job.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public String register(NewModel request) {
        ModelEntity model = new ModelEntity();
        model.id = Ids.next("mdl");
        model.tenantId = request.tenantId();
        model.name = request.name();
        model.baseModel = request.baseModel();
        model.datasetId = request.datasetId();
        model.jobId = request.jobId();
        model.method = request.method();
        model.task = request.task();
        model.labels = request.labels();
        model.metrics = request.metrics();
        model.createdAt = OffsetDateTime.now(ZoneOffset.UTC);
        model.persist();
        ModelVariantEntity variant = new ModelVariantEntity();
        variant.id = Ids.next("var");
        variant.modelId = model.id;
        variant.kind = "original";
        variant.format = "onnx";
        variant.sha256 = request.sha256();
        variant.bytes = request.bytes();
        variant.metrics = request.metrics();
        variant.provenance = request.provenance();
        variant.headSha256 = request.headSha256();
        variant.createdAt = model.createdAt;
        variant.persist();
        return model.id;
    }

    /**
     * Tells whoever prepares to serve models, on every replica, that a registered one exists; call
     * once the registration has committed.
     */
    public void announce(NewModel request, String modelId) {
        QuarkusTransaction.requiringNew().run(
                () -> changes.announce(Changes.Kind.MODEL_CREATED, request.tenantId() + "/" + modelId));
    }

    /**
     * Registers a compressed variant of a model; null when the model was deleted meanwhile. The
     * database holds one variant per recipe of a compression job.
     */
    @Transactional
    public String addVariant(NewVariant request) {
        if (ModelEntity.findById(request.modelId()) == null) {
            return null;
        }
        ModelVariantEntity variant = new ModelVariantEntity();
        variant.id = Ids.next("var");
        variant.modelId = request.modelId();
        variant.kind = "compressed";
        variant.format = "onnx";
        variant.sha256 = request.sha256();
        variant.bytes = request.bytes();
        variant.tokenizerSha256 = request.tokenizerSha256();
        variant.jobId = request.jobId();
        variant.recipeIndex = request.recipeIndex();
        variant.metrics = request.metrics();
        variant.provenance = request.provenance();
        variant.createdAt = OffsetDateTime.now(ZoneOffset.UTC);
        variant.persist();
        return variant.id;
    }

    /** Sets the variant "recommended" serves (null: the original). */
    @Transactional
    public void recommend(String modelId, String variantId) {
        ModelEntity model = ModelEntity.findById(modelId);
        if (model != null) {
            model.recommendedVariantId = variantId;
            changes.announce(Changes.Kind.MODEL, modelId);
        }
    }

    @Inject
    Changes changes;

    @Inject
    VariantGraphs graphs;

    /** A variant's metrics, replaced once its job has compared it with the others. */
    @Transactional
    public void updateVariantMetrics(String variantId, Map<String, Object> metrics) {
        ModelVariantEntity variant = ModelVariantEntity.findById(variantId);
        if (variant != null) {
            variant.metrics = metrics;
        }
    }

    /** What a compression job needs to know of a tenant's model (404 when it is not theirs). */
    public record Source(String modelId, String baseModel, String datasetId, List<String> labels, String originalVariantId,
            String originalSha256, Map<String, Object> metrics, Map<String, Object> provenance, String task) {

        public boolean embeds() {
            return "embedding".equals(task);
        }
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Source source(String tenantId, String modelId) {
        ModelEntity model = find(tenantId, modelId);
        ModelVariantEntity original = variants(model.id).stream().filter(variant -> variant.kind.equals("original"))
                .findFirst().orElseThrow(() -> ProblemException.notFound("variant", "original"));
        return new Source(model.id, model.baseModel, model.datasetId, model.labels, original.id, original.sha256,
                model.metrics, original.provenance, model.task);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Page<Model> list(String tenantId, Integer limit, String after) {
        int pageSize = Cursor.limit(limit);
        long below = Cursor.decode(after);
        List<ModelEntity> rows = ModelEntity.<ModelEntity>find("tenantId = ?1 and seq < ?2 order by seq desc", tenantId, below)
                .page(0, pageSize + 1).list();
        return Cursor.page(rows, pageSize, row -> row.seq, row -> Model.of(row, variants(row.id)));
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Model get(String tenantId, String id) {
        ModelEntity model = find(tenantId, id);
        return Model.of(model, variants(model.id));
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Model.Variant> listVariants(String tenantId, String modelId) {
        return variants(find(tenantId, modelId).id).stream().map(Model.Variant::of).toList();
    }

    /** A model of some tenant's, for work the platform does across tenants (loading models at start). */
    public record ModelRef(String tenantId, String modelId) {
    }

    /** The {@code limit} most recently created models of all tenants, newest first. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<ModelRef> newest(int limit) {
        return ModelEntity.<ModelEntity>find("order by createdAt desc, id desc").page(0, limit).list().stream()
                .map(model -> new ModelRef(model.tenantId, model.id)).toList();
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Model.Variant variant(String tenantId, String modelId, String variantId) {
        return Model.Variant.of(findVariant(tenantId, modelId, variantId));
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Artifact artifact(String tenantId, String modelId, String variantId, String format) {
        if (format != null && !format.equals("onnx")) {
            throw ProblemException.invalidField("/format", "format must be onnx or bundle.");
        }
        ModelVariantEntity variant = findVariant(tenantId, modelId, variantId);
        return new Artifact(variant.sha256, variant.bytes, modelId + "-" + variant.id + ".onnx");
    }

    /** {@code length} bytes of an artifact from {@code offset} on: a download's range. */
    public InputStream open(Artifact artifact, long offset, long length) throws IOException {
        return graphs.open(artifact.sha256(), offset, length);
    }

    /** Deletes the model and its variants; artifacts no other variant uses are removed too. */
    public void delete(String tenantId, String id) {
        List<String> variantIds = listVariants(tenantId, id).stream().map(Model.Variant::id).toList();
        List<String> hashes = QuarkusTransaction.requiringNew().call(() -> {
            ModelEntity model = find(tenantId, id);
            List<String> artifacts = deleteVariantRecords(variants(model.id));
            model.delete();
            changes.announce(Changes.Kind.MODEL, model.id);
            return artifacts;
        });
        deleted.fire(new ModelDeleted(id, variantIds));
        removeUnused(hashes);
    }

    /** Variants taken out of the database, whose artifacts {@link #forget} removes once that has committed. */
    public record RemovedVariants(String modelId, List<String> variantIds, List<String> artifacts) {
    }

    /**
     * Deletes the records of the variants a compression job made (it is starting over after an
     * interruption) in the caller's transaction; then {@link #forget} them.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public RemovedVariants removeJobVariants(String modelId, String jobId) {
        List<ModelVariantEntity> made = ModelVariantEntity.<ModelVariantEntity>find("modelId = ?1 and jobId = ?2", modelId,
                jobId).list();
        if (!made.isEmpty()) {
            changes.announce(Changes.Kind.MODEL, modelId);
        }
        List<String> ids = made.stream().map(variant -> variant.id).toList();
        return new RemovedVariants(modelId, ids, deleteVariantRecords(made));
    }

    /** Drops removed variants from every cache and their artifacts no other variant uses from storage. */
    public void forget(RemovedVariants removed) {
        if (removed.variantIds().isEmpty()) {
            return;
        }
        deleted.fire(new ModelDeleted(removed.modelId(), removed.variantIds()));
        removeUnused(removed.artifacts());
    }

    private static List<String> deleteVariantRecords(List<ModelVariantEntity> variants) {
        List<String> hashes = new java.util.ArrayList<>();
        for (ModelVariantEntity variant : variants) {
            hashes.add(variant.sha256);
            if (variant.tokenizerSha256 != null) {
                hashes.add(variant.tokenizerSha256);
            }
            if (variant.bundleSha256 != null) {
                hashes.add(variant.bundleSha256);
            }
            if (variant.headSha256 != null) {
                hashes.add(variant.headSha256);
            }
            ModelVariantEntity.delete("id", variant.id);
        }
        return hashes;
    }

    private void removeUnused(List<String> hashes) {
        for (String sha256 : hashes) {
            boolean used = QuarkusTransaction.requiringNew().call(() -> ModelVariantEntity.count(
                    "sha256 = ?1 or tokenizerSha256 = ?1 or bundleSha256 = ?1 or headSha256 = ?1", sha256) > 0);
            if (!used) {
                try {
                    blobs.delete(sha256);
                } catch (IOException e) {
                    LOG.warnf("Artifact %s is no longer used but could not be removed: %s", sha256, e.getMessage());
                }
            }
        }
    }

    /** The length a variant was trained with, from its recorded recipe; else the base model's. */
    public static int maxSequenceLength(Map<String, Object> provenance, dev.bonsai.engine.BaseModel baseModel) {
        Object recipe = provenance == null ? null : provenance.get("bonsai.hyperparameters");
        if (recipe != null) {
            try {
                com.fasterxml.jackson.databind.JsonNode node = JSON.readTree(recipe.toString());
                if (node.has("maxSequenceLength")) {
                    return node.get("maxSequenceLength").asInt();
                }
            } catch (IOException e) {
                LOG.warnf("The recipe recorded with a model could not be read (%s); it is served at %s's length %d.",
                        e.getMessage(), baseModel.id(), baseModel.maxSequenceLength());
            }
        }
        return baseModel.maxSequenceLength();
    }

    /**
     * The training seed recorded in a model's recipe, so that its compression draws as reproducibly as
     * its training did; {@code fallback} for a model recorded without one.
     */
    public static long trainingSeed(Map<String, Object> provenance, long fallback) {
        Object recipe = provenance == null ? null : provenance.get("bonsai.hyperparameters");
        if (recipe != null) {
            try {
                com.fasterxml.jackson.databind.JsonNode node = JSON.readTree(recipe.toString());
                if (node.path("seed").canConvertToLong()) {
                    return node.get("seed").asLong();
                }
            } catch (IOException e) {
                LOG.warnf("The recipe recorded with a model could not be read (%s); compressing with seed %d.",
                        e.getMessage(), fallback);
            }
        }
        return fallback;
    }

    private static List<ModelVariantEntity> variants(String modelId) {
        return ModelVariantEntity.<ModelVariantEntity>find("modelId = ?1 order by seq", modelId).list();
    }

    private static ModelEntity find(String tenantId, String id) {
        return ModelEntity.<ModelEntity>find("id = ?1 and tenantId = ?2", id, tenantId).firstResultOptional()
                .orElseThrow(() -> ProblemException.notFound("model", id));
    }

    private static ModelVariantEntity findVariant(String tenantId, String modelId, String variantId) {
        find(tenantId, modelId);
        return ModelVariantEntity.<ModelVariantEntity>find("id = ?1 and modelId = ?2", variantId, modelId)
                .firstResultOptional().orElseThrow(() -> ProblemException.notFound("variant", variantId));
    }
}
