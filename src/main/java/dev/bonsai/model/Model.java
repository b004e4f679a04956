package dev.bonsai.model;

import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A tenant's fine-tuned model with its lineage (base model, dataset, job) and test metrics. Its
 * {@code task}: classification (a classifier, asked by POST …/predictions) or embedding (an
 * embedding model for semantic search, asked by POST …/embeddings, with no labels).
 */
public record Model(String id, String name, String baseModel, String datasetId, String jobId, String method,
        @Schema(implementation = dev.bonsai.dataset.DatasetService.Task.class) String task,
        List<String> labels, @Schema(ref = "TrainingMetrics") Map<String, Object> metrics, List<Variant> variants,
        @Schema(nullable = true, description = "The variant 'recommended' serves; null: the original")
        String recommendedVariantId, OffsetDateTime createdAt) {

    /**
     * One downloadable artifact of the model. {@code metrics} has one shape for every variant: accuracy
     * and macro-F1 on the rows named by {@code evaluatedOn}, and for a compressed variant everything its
     * compression job measured.
     */
    public record Variant(String id, @Schema(implementation = Kind.class) String kind, String format, String sha256,
            long bytes, String recipe,
            @Schema(nullable = true, description = "The job that made a compressed variant; null for the original")
            String compressionJobId,
            @Schema(ref = "AnyVariantMetrics") Map<String, Object> metrics,
            @Schema(ref = "Provenance") Map<String, Object> provenance, OffsetDateTime createdAt) {

        /** {@code original}: what fine-tuning made; {@code compressed}: made from it by a compression job. */
        @Schema(name = "VariantKind")
        public enum Kind {
            original, compressed
        }

        static Variant of(ModelVariantEntity entity) {
            Object recipe = entity.provenance == null ? null : entity.provenance.get("recipe");
            return new Variant(entity.id, entity.kind, entity.format, entity.sha256, entity.bytes,
                    recipe == null ? "original" : recipe.toString(), entity.jobId,
                    Kind.original.name().equals(entity.kind) ? originalMetrics(entity.metrics) : entity.metrics,
                    entity.provenance, entity.createdAt);
        }

        /**
         * The original's figures from its training metrics: on the test rows, or validation when there were
         * none; a classifier's accuracy and macro-F1, an embedding model's retrieval figures.
         */
        @SuppressWarnings("unchecked")
        private static Map<String, Object> originalMetrics(Map<String, Object> training) {
            Map<String, Object> metrics = new LinkedHashMap<>();
            Object test = training == null ? null : training.get("test");
            String evaluatedOn = test instanceof Map ? "test" : "validation";
            Map<String, Object> figures = (Map<String, Object>) (test instanceof Map ? test
                    : training == null ? Map.of() : training.getOrDefault("validation", Map.of()));
            List<String> names = figures.containsKey("mrrAt10") ? RETRIEVAL_FIGURES : List.of("accuracy", "macroF1");
            names.forEach(name -> metrics.put(name, figures.get(name)));
            metrics.put("evaluatedOn", evaluatedOn);
            return metrics;
        }

        /** What an embedding model's variants are measured by. */
        public static final List<String> RETRIEVAL_FIGURES = List.of("recallAt1", "recallAt10", "mrrAt10", "ndcgAt10");
    }

    static Model of(ModelEntity entity, List<ModelVariantEntity> variants) {
        return new Model(entity.id, entity.name, entity.baseModel, entity.datasetId, entity.jobId, entity.method,
                entity.task, entity.labels, entity.metrics, variants.stream().map(Variant::of).toList(), entity.recommendedVariantId,
                entity.createdAt);
    }
}
