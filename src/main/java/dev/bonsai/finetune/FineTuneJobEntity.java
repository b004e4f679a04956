package dev.bonsai.finetune;

import dev.bonsai.job.JobEntity;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import java.util.Map;
import org.hibernate.annotations.DynamicUpdate;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** A fine-tuning job row (see {@link JobEntity} for the columns all jobs share). */
@Entity
@DynamicUpdate
@Table(name = "fine_tuning_jobs")
public class FineTuneJobEntity extends JobEntity {

    public String name;

    @Column(name = "base_model")
    public String baseModel;

    @Column(name = "dataset_id")
    public String datasetId;

    public String method;

    /** {@code classification} or {@code embedding}. */
    public String task = "classification";

    @JdbcTypeCode(SqlTypes.JSON)
    public Map<String, Object> hyperparameters;

    @JdbcTypeCode(SqlTypes.JSON)
    public Map<String, String> metadata;

    @Column(name = "model_id")
    public String modelId;

    /** sha256 of the latest epoch checkpoint in blob storage, while the job runs. */
    public String checkpoint;

    @Column(name = "checkpoint_epoch")
    public Integer checkpointEpoch;
}
