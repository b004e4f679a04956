package dev.bonsai.platform;

import io.agroal.api.AgroalDataSource;
import io.quarkus.hibernate.orm.panache.Panache;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.jboss.logging.Logger;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Tells every replica that something it may have cached from the database has changed, through
 * PostgreSQL's LISTEN/NOTIFY, so that the hot paths (API keys, rate limits, what a model serves)
 * can keep what they read for minutes and still see a change made anywhere at once.
 *
 * <p>{@link #announce} runs in the caller's transaction: PostgreSQL delivers the notification to
 * every listening replica, this one included, only once that transaction commits, and this replica
 * also gets the {@link Change} event right after the commit. A thread per replica listens on one
 * connection of the pool. While it is not listening (starting, or the connection was lost),
 * {@link #listening()} is false and caches must not rely on being told; when it starts listening
 * again it sends {@link Change#EVERYTHING}, since notifications may have been missed meanwhile.
 */
@ApplicationScoped
public class Changes {

    private static final Logger LOG = Logger.getLogger(Changes.class);
    private static final String CHANNEL = "bonsai_changes";

    /** What changed. */
    public enum Kind {
        /** A model was deleted or what it serves changed (its recommended variant, its variants). */
        MODEL,
        /** A model was created (id: {@code tenantId/modelId}): API replicas load it to serve it. */
        MODEL_CREATED,
        /** A tenant's API keys changed (one was revoked). */
        KEYS,
        /** A tenant's prediction rate limit changed. */
        LIMITS,
        /** Webhook deliveries are due (id: the tenant): replicas that deliver look for them at once. */
        WEBHOOKS,
        /** Anything may have changed: forget everything. */
        EVERYTHING
    }

    /** One change: its kind and the id of the model or tenant. */
    public record Change(Kind kind, String id) {
        public static final Change EVERYTHING = new Change(Kind.EVERYTHING, "");
    }

    @Inject
    AgroalDataSource dataSource;

    @Inject
    Event<Change> observers;

    private volatile boolean listening;
    private volatile boolean running;
    private Thread listener;
    private volatile Connection connection;

    /**
     * Announces a change in the current transaction: observers here hear of it after the commit
     * (observe with {@code during = TransactionPhase.AFTER_SUCCESS}), other replicas when it
     * reaches them.
     */
    public void announce(Kind kind, String id) {
        Panache.getEntityManager().createNativeQuery("select cast(pg_notify(?1, ?2) as text)")
                .setParameter(1, CHANNEL).setParameter(2, kind.name() + ":" + id).getSingleResult();
        observers.fire(new Change(kind, id));
    }

    /** Whether changes made elsewhere are being heard now. */
    public boolean listening() {
        return listening;
    }

    void start(@Observes StartupEvent event) {
        running = true;
        listener = new Thread(this::listen, "bonsai-changes");
        listener.setDaemon(true);
        listener.start();
    }

    void stop(@Observes ShutdownEvent event) {
        running = false;
        if (listener != null) {
            listener.interrupt();
        }
        Connection open = connection;
        if (open != null) {
            try {
                open.close();
            } catch (SQLException e) {
                // closing anyway
            }
        }
    }

    private void listen() {
        while (running) {
            try (Connection connection = dataSource.getConnection()) {
                this.connection = connection;
                connection.setAutoCommit(true);
                try (Statement statement = connection.createStatement()) {
                    statement.execute("LISTEN " + CHANNEL);
                }
                PGConnection postgres = connection.unwrap(PGConnection.class);
                listening = true;
                observers.fire(Change.EVERYTHING);
                while (running) {
                    PGNotification[] notifications = postgres.getNotifications(1_000);
                    if (notifications != null) {
                        for (PGNotification notification : notifications) {
                            deliver(notification.getParameter());
                        }
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (running) {
                    LOG.warnf("Not hearing of changes made by other replicas (%s); retrying in a second", e.getMessage());
                }
            } finally {
                connection = null;
                if (listening) {
                    listening = false;
                    observers.fire(Change.EVERYTHING);
                }
            }
            if (running) {
                try {
                    Thread.sleep(1_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void deliver(String payload) {
        int colon = payload.indexOf(':');
        try {
            observers.fire(new Change(Kind.valueOf(payload.substring(0, Math.max(colon, 0))), payload.substring(colon + 1)));
        } catch (IllegalArgumentException e) {
            observers.fire(Change.EVERYTHING);
        }
    }
}
