package dev.bonsai.model;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import org.hibernate.annotations.Generated;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

@Entity
@Table(name = "models")
public class ModelEntity extends PanacheEntityBase {

    @Id
    public String id;

    @Generated
    @Column(insertable = false, updatable = false)
    public long seq;

    @Column(name = "tenant_id")
    public String tenantId;

    public String name;

    @Column(name = "base_model")
    public String baseModel;

    @Column(name = "dataset_id")
    public String datasetId;

    @Column(name = "job_id")
    public String jobId;

    public String method;

    /** {@code classification} or {@code embedding}. */
    public String task = "classification";

    @JdbcTypeCode(SqlTypes.JSON)
    public List<String> labels;

    @JdbcTypeCode(SqlTypes.JSON)
    public Map<String, Object> metrics;

    @Column(name = "created_at")
    public OffsetDateTime createdAt;

    /** The variant the latest compression job recommended; "recommended" serves it. */
    @Column(name = "recommended_variant_id")
    public String recommendedVariantId;
}
