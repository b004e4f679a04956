package dev.bonsai.model;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import java.util.Map;
import org.hibernate.annotations.Generated;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** One artifact of a model: the original fine-tuned graph, or a compressed copy of it. */
@Entity
@Table(name = "model_variants")
public class ModelVariantEntity extends PanacheEntityBase {

    @Id
    public String id;

    @Generated
    @Column(insertable = false, updatable = false)
    public long seq;

    @Column(name = "model_id")
    public String modelId;

    public String kind;

    public String format;

    public String sha256;

    public long bytes;

    @JdbcTypeCode(SqlTypes.JSON)
    public Map<String, Object> metrics;

    @JdbcTypeCode(SqlTypes.JSON)
    public Map<String, Object> provenance;

    @Column(name = "created_at")
    public OffsetDateTime createdAt;

    /** The variant's own tokenizer (a pruned vocabulary) in blob storage; null: the base model's. */
    @Column(name = "tokenizer_sha256")
    public String tokenizerSha256;

    /** A head-method original's classifier head ({@code SoftmaxHead.toBytes}) in blob storage; else null. */
    @Column(name = "head_sha256")
    public String headSha256;

    /** Its download bundle in blob storage, once built. */
    @Column(name = "bundle_sha256")
    public String bundleSha256;

    /** The layout that bundle was built with ({@code bonsai.json}'s format); older ones are rebuilt. */
    @Column(name = "bundle_format")
    public String bundleFormat;

    /** The compression job that made it; null for the original. */
    @Column(name = "job_id")
    public String jobId;

    /** The place of the variant's recipe in its compression job's request; null for an original. */
    @Column(name = "recipe_index")
    public Integer recipeIndex;
}
