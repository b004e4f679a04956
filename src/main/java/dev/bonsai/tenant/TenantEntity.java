package dev.bonsai.tenant;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import org.hibernate.annotations.Generated;

@Entity
@Table(name = "tenants")
public class TenantEntity extends PanacheEntityBase {

    @Id
    public String id;

    @Generated
    @Column(insertable = false, updatable = false)
    public long seq;

    public String name;

    @Column(name = "created_at")
    public OffsetDateTime createdAt;

    /** Sustained prediction requests per second allowed; null: the service default. */
    @Column(name = "predictions_per_second")
    public Double predictionsPerSecond;

    /** Prediction requests allowed in a burst; null: the service default. */
    @Column(name = "prediction_burst")
    public Integer predictionBurst;
}
