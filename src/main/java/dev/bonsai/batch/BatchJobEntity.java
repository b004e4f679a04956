package dev.bonsai.batch;

import dev.bonsai.job.JobEntity;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hibernate.annotations.DynamicUpdate;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** A batch prediction job row (see {@link JobEntity} for the columns all jobs share). */
@Entity
@DynamicUpdate
@Table(name = "batch_jobs")
public class BatchJobEntity extends JobEntity {

    @Column(name = "model_id")
    public String modelId;

    /** The variant the batch runs, resolved when it was created ("recommended" does not move under it). */
    @Column(name = "variant_id")
    public String variantId;

    @Column(name = "input_sha256")
    public String inputSha256;

    @Column(name = "input_format")
    public String inputFormat;

    @Column(name = "input_file_name")
    public String inputFileName;

    @Column(name = "text_column")
    public String textColumn;

    @Column(name = "id_column")
    public String idColumn;

    @Column(name = "rows_total")
    public long rowsTotal;

    /** Rows whose output is stored in {@link #chunks}: where a resumed attempt goes on. */
    @Column(name = "rows_done")
    public long rowsDone;

    /** The output so far, in order: per chunk its rows and the blobs of its JSONL and CSV lines. */
    @JdbcTypeCode(SqlTypes.JSON)
    public List<Map<String, Object>> chunks = new ArrayList<>();

    /** When the output (and the input) are deleted; set when the job ends. */
    @Column(name = "output_expires_at")
    public OffsetDateTime outputExpiresAt;
}
