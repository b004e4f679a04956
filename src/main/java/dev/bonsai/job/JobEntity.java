package dev.bonsai.job;

import dev.bonsai.platform.ProblemException;
import dev.bonsai.platform.ProblemType;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Id;
import jakarta.persistence.MappedSuperclass;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import org.hibernate.annotations.Generated;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/**
 * The columns every kind of job has: queued → running → succeeded | failed | cancelled, progress,
 * a cancellation request, the error or result, and timestamps. Subclasses are {@code @DynamicUpdate}
 * because the worker (progress, status) and the API (cancellation) write to the same row at once.
 */
@MappedSuperclass
public abstract class JobEntity extends PanacheEntityBase {

    @Id
    public String id;

    @Generated
    @Column(insertable = false, updatable = false)
    public long seq;

    @Column(name = "tenant_id")
    public String tenantId;

    public String status;

    public float progress;

    @Column(name = "cancel_requested")
    public boolean cancelRequested;

    @JdbcTypeCode(SqlTypes.JSON)
    public Map<String, Object> error;

    @JdbcTypeCode(SqlTypes.JSON)
    public Map<String, Object> result;

    public int attempts;

    @Column(name = "idempotency_key")
    public String idempotencyKey;

    /** SHA-256 of the request the job was created with, to refuse its key with another request. */
    @Column(name = "idempotency_fingerprint")
    public String idempotencyFingerprint;

    @Column(name = "created_at")
    public OffsetDateTime createdAt;

    @Column(name = "started_at")
    public OffsetDateTime startedAt;

    @Column(name = "finished_at")
    public OffsetDateTime finishedAt;

    /**
     * Seconds left while it runs, the elapsed time extrapolated by the progress; null before there
     * is enough progress to tell (2%), and when it is not running.
     */
    public Long etaSeconds() {
        if (!"running".equals(status) || startedAt == null || progress <= 0.02f) {
            return null;
        }
        double elapsed = java.time.Duration.between(startedAt, OffsetDateTime.now(ZoneOffset.UTC)).toMillis() / 1000.0;
        return Math.round(elapsed / progress * (1 - progress));
    }

    public boolean finished() {
        return JobService.ENDED.contains(status);
    }

    /**
     * Asks the worker to stop at its next check; a job still queued is cancelled at once. A job that
     * has ended cannot be cancelled (409).
     */
    public void requestCancel() {
        if (finished()) {
            throw new ProblemException(ProblemType.CONFLICT, "The job has already " + status + ".");
        }
        cancelRequested = true;
        if (status.equals("queued")) {
            status = "cancelled";
            finishedAt = OffsetDateTime.now(ZoneOffset.UTC);
        }
    }
}
