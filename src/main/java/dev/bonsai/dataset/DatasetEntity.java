package dev.bonsai.dataset;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import org.hibernate.annotations.Generated;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

@Entity
@Table(name = "datasets")
public class DatasetEntity extends PanacheEntityBase {

    @Id
    public String id;

    @Generated
    @Column(insertable = false, updatable = false)
    public long seq;

    @Column(name = "tenant_id")
    public String tenantId;

    public String name;

    public String status;

    public String format;

    @Column(name = "text_column")
    public String textColumn;

    @Column(name = "label_column")
    public String labelColumn;

    @Column(name = "split_column")
    public String splitColumn;

    /** {@code classification} or {@code embedding}: see {@link DatasetService.Task}. */
    public String task;

    @Column(name = "negative_column")
    public String negativeColumn;

    public String sha256;

    public long bytes;

    @Column(name = "row_count")
    public int rowCount;

    @JdbcTypeCode(SqlTypes.JSON)
    public DatasetReport report;

    @Column(name = "created_at")
    public OffsetDateTime createdAt;
}
