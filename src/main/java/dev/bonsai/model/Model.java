package dev.bonsai.model;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

/** A tenant's fine-tuned model with its lineage (base model, dataset, job) and test metrics. */
public record Model(String id, String name, String baseModel, String datasetId, String jobId, String method,
        List<String> labels, Map<String, Object> metrics, List<Variant> variants, String recommendedVariantId,
        OffsetDateTime createdAt) {

    /** One downloadable artifact of the model. */
    public record Variant(String id, String kind, String format, String sha256, long bytes, String recipe,
            String compressionJobId, Map<String, Object> metrics, Map<String, Object> provenance,
            OffsetDateTime createdAt) {

        static Variant of(ModelVariantEntity entity) {
            Object recipe = entity.provenance == null ? null : entity.provenance.get("recipe");
            return new Variant(entity.id, entity.kind, entity.format, entity.sha256, entity.bytes,
                    recipe == null ? "original" : recipe.toString(), entity.jobId, entity.metrics, entity.provenance,
                    entity.createdAt);
        }
    }

    static Model of(ModelEntity entity, List<ModelVariantEntity> variants) {
        return new Model(entity.id, entity.name, entity.baseModel, entity.datasetId, entity.jobId, entity.method,
                entity.labels, entity.metrics, variants.stream().map(Variant::of).toList(), entity.recommendedVariantId,
                entity.createdAt);
    }
}
