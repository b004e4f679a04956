package dev.bonsai.compression;

import dev.bonsai.job.JobEntity;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import java.util.Map;
import org.hibernate.annotations.DynamicUpdate;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** A compression job row (see {@link JobEntity} for the columns all jobs share). */
@Entity
@DynamicUpdate
@Table(name = "compression_jobs")
public class CompressionJobEntity extends JobEntity {

    @Column(name = "model_id")
    public String modelId;

    public String device;

    /** The request as resolved: recipes, maxAccuracyDrop, maxLatencyMillis, maxSizeBytes. */
    @JdbcTypeCode(SqlTypes.JSON)
    public Map<String, Object> request;
}
