package dev.bonsai.model;

import dev.bonsai.blob.BlobStore;
import dev.bonsai.platform.Cursor;
import dev.bonsai.platform.Ids;
import dev.bonsai.platform.Page;
import dev.bonsai.platform.ProblemException;
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

    /** What a finished fine-tuning job hands over; the artifact is already in blob storage. */
    public record NewModel(String tenantId, String name, String baseModel, String datasetId, String jobId, String method,
            List<String> labels, Map<String, Object> metrics, String sha256, long bytes, Map<String, Object> provenance) {
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
            List<String> labels, Map<String, Object> provenance) {
    }

    /**
     * The variant to serve: {@code null}, "original" or "recommended" (the original until a
     * compression job recommends another) or a variant id of this model.
     */
    @Transactional(Transactional.TxType.SUPPORTS)
    public ServingInfo serving(String tenantId, String modelId, String variant) {
        ModelEntity model = find(tenantId, modelId);
        List<ModelVariantEntity> variants = variants(model.id);
        ModelVariantEntity chosen;
        if (variant == null || variant.equals("original") || variant.equals("recommended")) {
            chosen = variants.stream().filter(candidate -> candidate.kind.equals("original")).findFirst()
                    .orElseThrow(() -> ProblemException.notFound("variant", "original"));
        } else {
            chosen = variants.stream().filter(candidate -> candidate.id.equals(variant)).findFirst()
                    .orElseThrow(() -> ProblemException.notFound("variant", variant));
        }
        return new ServingInfo(model.id, chosen.id, chosen.sha256, chosen.bytes, model.baseModel, model.labels,
                chosen.provenance);
    }

    @Transactional
    public String create(NewModel request) {
        ModelEntity model = new ModelEntity();
        model.id = Ids.next("mdl");
        model.tenantId = request.tenantId();
        model.name = request.name();
        model.baseModel = request.baseModel();
        model.datasetId = request.datasetId();
        model.jobId = request.jobId();
        model.method = request.method();
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
        variant.createdAt = model.createdAt;
        variant.persist();
        return model.id;
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

    @Transactional(Transactional.TxType.SUPPORTS)
    public Model.Variant variant(String tenantId, String modelId, String variantId) {
        return Model.Variant.of(findVariant(tenantId, modelId, variantId));
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Artifact artifact(String tenantId, String modelId, String variantId, String format) {
        if (format != null && !format.equals("onnx")) {
            throw ProblemException.invalidField("/format", "format must be onnx.");
        }
        ModelVariantEntity variant = findVariant(tenantId, modelId, variantId);
        return new Artifact(variant.sha256, variant.bytes, modelId + "-" + variant.kind + ".onnx");
    }

    public InputStream open(Artifact artifact) throws IOException {
        return blobs.open(artifact.sha256());
    }

    /** Deletes the model and its variants; artifacts no other variant uses are removed too. */
    public void delete(String tenantId, String id) {
        List<String> variantIds = listVariants(tenantId, id).stream().map(Model.Variant::id).toList();
        List<String> hashes = deleteRecords(tenantId, id);
        deleted.fire(new ModelDeleted(id, variantIds));
        for (String sha256 : hashes) {
            if (ModelVariantEntity.count("sha256", sha256) == 0) {
                try {
                    blobs.delete(sha256);
                } catch (IOException e) {
                    LOG.warnf("Model %s deleted, but its artifact %s could not be removed: %s", id, sha256, e.getMessage());
                }
            }
        }
    }

    @Transactional
    List<String> deleteRecords(String tenantId, String id) {
        ModelEntity model = find(tenantId, id);
        List<String> hashes = variants(model.id).stream().map(variant -> variant.sha256).toList();
        ModelVariantEntity.delete("modelId", model.id);
        model.delete();
        return hashes;
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
