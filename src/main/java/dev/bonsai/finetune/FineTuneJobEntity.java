package dev.bonsai.finetune;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import java.util.Map;
import org.hibernate.annotations.DynamicUpdate;
import org.hibernate.annotations.Generated;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/**
 * A job row. Updated with only the changed columns, because the worker (progress, status) and the
 * API (cancellation requests) write to the same row concurrently.
 */
@Entity
@DynamicUpdate
@Table(name = "fine_tuning_jobs")
public class FineTuneJobEntity extends PanacheEntityBase {

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

    public String method;

    @JdbcTypeCode(SqlTypes.JSON)
    public Map<String, Object> hyperparameters;

    @JdbcTypeCode(SqlTypes.JSON)
    public Map<String, String> metadata;

    public String status;

    public float progress;

    @Column(name = "cancel_requested")
    public boolean cancelRequested;

    @JdbcTypeCode(SqlTypes.JSON)
    public Map<String, Object> error;

    @JdbcTypeCode(SqlTypes.JSON)
    public Map<String, Object> result;

    @Column(name = "model_id")
    public String modelId;

    public int attempts;

    /** sha256 of the latest epoch checkpoint in blob storage, while the job runs. */
    public String checkpoint;

    @Column(name = "checkpoint_epoch")
    public Integer checkpointEpoch;

    @Column(name = "idempotency_key")
    public String idempotencyKey;

    @Column(name = "created_at")
    public OffsetDateTime createdAt;

    @Column(name = "started_at")
    public OffsetDateTime startedAt;

    @Column(name = "finished_at")
    public OffsetDateTime finishedAt;

    boolean finished() {
        return status.equals("succeeded") || status.equals("failed") || status.equals("cancelled");
    }
}
