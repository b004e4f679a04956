package dev.bonsai.batch;

import dev.bonsai.blob.BlobHolder;
import dev.bonsai.blob.BlobStore;
import dev.bonsai.platform.BonsaiConfig;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The blobs batches leave behind: a job's chunks once it has ended, and a finished job's input and
 * output once its retention time is over (checked every few minutes on every replica that runs
 * jobs; a row is claimed with SKIP LOCKED, so two replicas never sweep the same one). Blobs are
 * addressed by content, so one is deleted only when no {@link BlobHolder} (another batch, a
 * dataset) still names the same bytes.
 */
@ApplicationScoped
public class BatchBlobs implements BlobHolder {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(BatchBlobs.class);
    private static final long SWEEP_MINUTES = 5;

    @Inject
    EntityManager entities;

    @Inject
    BlobStore blobs;

    @Inject
    BonsaiConfig config;

    @Inject
    jakarta.enterprise.inject.Instance<BlobHolder> holders;

    private ScheduledExecutorService sweeper;

    void start(@Observes StartupEvent event) {
        if (!config.role().runsJobs()) {
            return;
        }
        sweeper = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "batch-expiry");
            thread.setDaemon(true);
            return thread;
        });
        sweeper.scheduleWithFixedDelay(this::sweepQuietly, 1, SWEEP_MINUTES * 60, TimeUnit.SECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
    }

    /**
     * Deletes an ended job's chunks (the output holds their rows, or the job failed) and forgets them,
     * and gives a job that ended without an output (failed, cancelled) its expiry too, for its input.
     */
    void dropChunks(String jobId) throws IOException {
        List<String> shas = QuarkusTransaction.requiringNew().call(() -> {
            BatchJobEntity job = entities.find(BatchJobEntity.class, jobId, jakarta.persistence.LockModeType.PESSIMISTIC_WRITE);
            if (job == null || !job.finished()) {
                return List.of();
            }
            if (job.outputExpiresAt == null) {
                job.outputExpiresAt = (job.finishedAt == null ? BatchService.now() : job.finishedAt)
                        .plus(config.batches().retention());
            }
            List<String> named = chunkBlobs(job.chunks);
            job.chunks = new ArrayList<>();
            return named;
        });
        delete(shas);
    }

    /** Expires every job whose retention time is over; returns how many. */
    int sweep() throws IOException {
        int expired = 0;
        while (true) {
            Map<String, List<String>> claimed = QuarkusTransaction.requiringNew().call(() -> {
                @SuppressWarnings("unchecked")
                // A job whose end was not followed by its tidy-up (its replica died in between) has no expiry
                // yet: its end plus the retention time is.
                List<String> ids = entities.createNativeQuery("select id from batch_jobs where status in ('succeeded',"
                        + " 'failed', 'cancelled') and coalesce(output_expires_at, finished_at + make_interval(secs => ?1))"
                        + " < now() and coalesce((result ->> 'expired')::boolean, false) = false limit 20 for update skip"
                        + " locked").setParameter(1, (double) config.batches().retention().toSeconds()).getResultList();
                Map<String, List<String>> named = new LinkedHashMap<>();
                for (String id : ids) {
                    BatchJobEntity job = entities.find(BatchJobEntity.class, id);
                    List<String> shas = new ArrayList<>(chunkBlobs(job.chunks));
                    shas.add(job.inputSha256);
                    Map<String, Object> result = job.result == null ? new LinkedHashMap<>() : new LinkedHashMap<>(job.result);
                    if (job.outputExpiresAt == null) {
                        job.outputExpiresAt = BatchService.now();
                    }
                    if (result.get("outputs") != null) {
                        shas.add((String) BatchJob.output(result, "jsonl").get("sha256"));
                        shas.add((String) BatchJob.output(result, "csv").get("sha256"));
                    }
                    result.put("expired", true);
                    job.result = result;
                    job.chunks = new ArrayList<>();
                    named.put(id, shas);
                }
                return named;
            });
            for (Map.Entry<String, List<String>> job : claimed.entrySet()) {
                delete(job.getValue());
                LOG.infof("Batch %s: input and output deleted, its retention time is over.", job.getKey());
            }
            expired += claimed.size();
            if (claimed.size() < 20) {
                return expired;
            }
        }
    }

    private void sweepQuietly() {
        try {
            sweep();
        } catch (IOException | RuntimeException e) {
            LOG.warnf("Expiring batch outputs failed; trying again in %d minutes: %s", SWEEP_MINUTES, e.getMessage());
        }
    }

    /** A batch not yet expired names these bytes as its input, a chunk or an output. */
    @Override
    public boolean holds(String sha256) {
        return !entities.createNativeQuery("select 1 from batch_jobs where coalesce((result ->> 'expired')::boolean, false)"
                + " = false and (input_sha256 = ?1 or chunks::text like ?2 or result::text like ?2) limit 1")
                .setParameter(1, sha256).setParameter(2, "%" + sha256 + "%").getResultList().isEmpty();
    }

    /** Deletes the stored input of a batch that was refused after it was stored, unless something else holds it. */
    void discard(String sha256) throws IOException {
        delete(List.of(sha256));
    }

    /** Deletes each blob that no holder (another batch, a dataset) names; after the caller's row stopped naming it. */
    private void delete(List<String> shas) throws IOException {
        for (String sha : new LinkedHashSet<>(shas)) {
            boolean held = QuarkusTransaction.requiringNew().call(() -> holders.stream().anyMatch(holder -> holder.holds(sha)));
            if (!held) {
                blobs.delete(sha);
            }
        }
    }

    private static List<String> chunkBlobs(List<Map<String, Object>> chunks) {
        Set<String> shas = new LinkedHashSet<>();
        for (Map<String, Object> chunk : chunks) {
            shas.add((String) chunk.get("jsonl"));
            shas.add((String) chunk.get("csv"));
        }
        return new ArrayList<>(shas);
    }
}
