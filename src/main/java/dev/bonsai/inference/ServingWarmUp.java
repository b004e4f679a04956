package dev.bonsai.inference;

import dev.bonsai.model.ModelService;
import dev.bonsai.platform.BonsaiConfig;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.List;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

/**
 * A starting API replica loads the newest models (each with the variant it serves by default, and
 * the shared encoders they use) before it reports ready, so that a replica joining the Service
 * does not answer its first predictions after seconds of loading. Not ready until then, or until
 * {@code BONSAI_INFERENCE_WARM_AT_START_TIMEOUT} has passed; a model that fails to load is left to
 * its first request, and said so in the log.
 */
@Readiness
@ApplicationScoped
public class ServingWarmUp implements HealthCheck {

    private static final Logger LOG = Logger.getLogger(ServingWarmUp.class);

    @Inject
    BonsaiConfig config;

    @Inject
    ModelService models;

    @Inject
    PredictionService predictions;

    private volatile boolean done;
    private volatile boolean stopping;
    private volatile int loaded; // written by the warm-up thread only
    private volatile int total = -1;
    private volatile long startedNanos;

    void onStart(@Observes StartupEvent event) {
        if (!config.role().servesApi() || config.inference().warmAtStart() <= 0) {
            done = true;
            return;
        }
        startedNanos = System.nanoTime();
        Thread thread = new Thread(this::warmUp, "serving-warm-up");
        thread.setDaemon(true);
        thread.start();
    }

    private void warmUp() {
        try {
            List<ModelService.ModelRef> newest = QuarkusTransaction.requiringNew()
                    .call(() -> models.newest(config.inference().warmAtStart()));
            total = newest.size();
            for (ModelService.ModelRef model : newest) {
                if (stopping) {
                    return;
                }
                if (timedOut()) {
                    LOG.warnf("Loaded %d of %d models for serving within %s; the rest load on their first request.",
                            loaded, total, config.inference().warmAtStartTimeout());
                    return;
                }
                try {
                    predictions.warm(model.tenantId(), model.modelId(), null);
                    loaded++;
                } catch (RuntimeException e) {
                    LOG.infof("Model %s was not loaded at start (%s); its first request will load it.", model.modelId(),
                            e.toString());
                }
            }
            LOG.infof("Loaded %d of %d models for serving in %.1f s.", loaded, total,
                    (System.nanoTime() - startedNanos) / 1e9);
        } catch (RuntimeException e) {
            LOG.warnf("Loading models at start stopped: %s; they load on their first request.", e.toString());
        } finally {
            done = true;
        }
    }

    /** The server is stopping: no more models are loaded (the one loading finishes, see {@link NativeWork}). */
    void onStop(@Observes ShutdownEvent event) {
        stopping = true;
    }

    private boolean timedOut() {
        return System.nanoTime() - startedNanos > config.inference().warmAtStartTimeout().toNanos();
    }

    @Override
    public HealthCheckResponse call() {
        boolean ready = done || timedOut();
        return HealthCheckResponse.named("serving-warm-up").status(ready)
                .withData("loaded", loaded)
                .withData("models", Math.max(total, 0))
                .build();
    }
}
