package dev.bonsai.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bonsai.finetune.FineTuneJobEntity;
import dev.bonsai.model.ModelService;
import dev.bonsai.platform.Ids;
import dev.bonsai.support.Api;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Of two attempts at one job (a replica paused past its heartbeats while another took the job
 * over), only the one that holds the job stores anything: the other's events, progress,
 * checkpoints and results are refused, and the database itself holds one model per job and one
 * variant per recipe of a compression job. Job rows here are made directly and never queued, so
 * no worker runs them; each attempt is started as a replica would start it.
 */
@QuarkusTest
class AttemptFencingTest {

    @Inject
    JobLifecycle lifecycle;

    @Inject
    ModelService models;

    @Inject
    EntityManager entities;

    private String tenantId;
    private String apiKey;
    private final List<String> made = new ArrayList<>();

    @BeforeEach
    void tenant() {
        io.restassured.path.json.JsonPath tenant = Api.asAdmin().contentType(ContentType.JSON)
                .body(Map.of("name", "fencing-" + UUID.randomUUID())).post("/v1/tenants").then().statusCode(201)
                .extract().jsonPath();
        tenantId = tenant.getString("id");
        apiKey = tenant.getString("apiKey.secret");
    }

    @AfterEach
    void endTheJobsMadeHere() {
        // Never queued, they would otherwise count as waiting ahead of other tests' jobs.
        QuarkusTransaction.requiringNew().run(() -> made.forEach(id -> {
            FineTuneJobEntity job = entities.find(FineTuneJobEntity.class, id);
            if (!job.finished()) {
                job.status = "cancelled";
            }
        }));
    }

    @Test
    void anAttemptTakenOverStoresNothingMore() {
        String jobId = queuedJob();
        Attempt<FineTuneJobEntity> first = attempt(jobId);
        first.message("info", "first attempt, epoch 1");
        first.progress(0.25);

        Attempt<FineTuneJobEntity> second = attempt(jobId); // the takeover
        assertEquals(2, second.number());

        assertThrows(ClaimLost.class, () -> first.message("info", "first attempt, epoch 2"));
        assertThrows(ClaimLost.class, () -> first.metrics("Epoch 2", Map.of("epoch", 2)));
        assertThrows(ClaimLost.class, () -> first.progress(0.5));
        assertThrows(ClaimLost.class, () -> first.write(row -> row.checkpoint = "a-stale-checkpoint"));
        List<String> orphaned = new ArrayList<>();
        assertThrows(ClaimLost.class, () -> first.write(row -> row.checkpoint = "another", () -> orphaned.add("another")));
        assertEquals(List.of("another"), orphaned, "what the lost attempt stored for its write is handed back to remove");
        second.write(row -> row.checkpointEpoch = null, () -> orphaned.add("held"));
        assertEquals(List.of("another"), orphaned, "the attempt that holds the job keeps what it stored");
        assertThrows(ClaimLost.class, () -> first.cancellation().getAsBoolean(), "its work stops at its next check");
        assertThrows(ClaimLost.class, () -> lifecycle.succeed(first, Map.of("from", "first"), row -> {
            row.modelId = "mdl_stale";
            return "Model mdl_stale is ready.";
        }));

        second.progress(0.1);
        FineTuneJobEntity job = row(jobId);
        assertEquals("running", job.status);
        assertEquals(0.1f, job.progress, 1e-6, "the stale attempt's progress is not over the new one's");
        assertEquals(null, job.checkpoint);
        assertEquals(null, job.modelId);
        List<String> messages = messages(jobId);
        assertTrue(messages.contains("first attempt, epoch 1"), messages.toString());
        assertTrue(messages.stream().noneMatch(m -> m.contains("epoch 2") || m.contains("mdl_stale")), messages.toString());

        FineTuneJobEntity ended = lifecycle.succeed(second, Map.of("from", "second"), row -> "Done.");
        assertEquals("succeeded", ended.status);
        assertEquals(Map.of("from", "second"), row(jobId).result);
    }

    @Test
    void workThatLosesItsJobEndsWithoutTouchingIt() {
        String jobId = queuedJob();
        JobLifecycle.Outcome outcome = lifecycle.run(FineTuneJobEntity.class, jobId, "cancelled", "failed", (job, attempt) -> {
            attempt.message("info", "working");
            lifecycle.start(FineTuneJobEntity.class, jobId); // another replica takes the job over meanwhile
            attempt.message("info", "still working");
        });
        assertEquals(JobLifecycle.Outcome.LOST, outcome);
        FineTuneJobEntity job = row(jobId);
        assertEquals("running", job.status, "neither failed nor ended by the attempt that lost it");
        assertEquals(2, job.attempts);
        assertEquals(null, job.error);
        List<String> messages = messages(jobId);
        assertTrue(messages.contains("working") && !messages.contains("still working"), messages.toString());
        assertTrue(messages.stream().noneMatch(m -> m.startsWith("Job failed")), messages.toString());
    }

    @Test
    void aJobQueuedAgainLeavesItsAttemptAndGoesFirst() {
        String waiting = queuedJob();
        String revived = queuedJob();
        Attempt<FineTuneJobEntity> attempt = attempt(revived);
        lifecycle.requeue(FineTuneJobEntity.class, revived, "replica-that-stopped");

        assertThrows(ClaimLost.class, () -> attempt.message("info", "after the requeue"));
        assertEquals("queued", row(revived).status);
        assertTrue(messages(revived).stream().anyMatch(m -> m.startsWith("The replica running this job stopped responding")),
                messages(revived).toString());
        long revivedAhead = queuePosition(revived);
        long waitingAhead = queuePosition(waiting);
        assertTrue(revivedAhead < waitingAhead, "the job queued again goes before one queued earlier that never ran: "
                + revivedAhead + " ahead of it, " + waitingAhead + " ahead of the other");
        assertEquals(2, attempt(revived).number(), "the next attempt takes it up");
    }

    @Test
    void theDatabaseHoldsOneModelPerJobAndOneVariantPerRecipe() {
        String jobId = queuedJob();
        ModelService.NewModel model = new ModelService.NewModel(tenantId, "fenced", "all-minilm-l6-v2", "ds_none", jobId,
                "head", "classification", List.of("a", "b"), Map.of(), "0".repeat(64), 1, Map.of(), null);
        String modelId = QuarkusTransaction.requiringNew().call(() -> models.register(model));
        assertNotNull(modelId);
        assertThrows(RuntimeException.class, () -> QuarkusTransaction.requiringNew().call(() -> models.register(model)),
                "a second model for the same job");

        String compressionJob = "cmp_" + Ids.randomBase62(20);
        ModelService.NewVariant variant = new ModelService.NewVariant(modelId, compressionJob, 0, "1".repeat(64), 1, null,
                Map.of(), Map.of());
        assertNotNull(QuarkusTransaction.requiringNew().call(() -> models.addVariant(variant)));
        assertThrows(RuntimeException.class, () -> QuarkusTransaction.requiringNew().call(() -> models.addVariant(variant)),
                "a second variant for the same recipe of the same job");
        ModelService.NewVariant next = new ModelService.NewVariant(modelId, compressionJob, 1, "1".repeat(64), 1, null,
                Map.of(), Map.of());
        assertNotNull(QuarkusTransaction.requiringNew().call(() -> models.addVariant(next)), "the job's next recipe");
        Api.as(apiKey).delete("/v1/models/" + modelId).then().statusCode(204);
    }

    private Attempt<FineTuneJobEntity> attempt(String jobId) {
        FineTuneJobEntity started = lifecycle.start(FineTuneJobEntity.class, jobId);
        return new Attempt<>(lifecycle, FineTuneJobEntity.class, jobId, started.attempts);
    }

    private String queuedJob() {
        String id = Ids.next("ftjob");
        QuarkusTransaction.requiringNew().run(() -> {
            FineTuneJobEntity job = new FineTuneJobEntity();
            job.id = id;
            job.tenantId = tenantId;
            job.baseModel = "all-minilm-l6-v2";
            job.datasetId = "ds_none";
            job.method = "head";
            job.hyperparameters = Map.of();
            job.status = "queued";
            job.createdAt = OffsetDateTime.now(ZoneOffset.UTC);
            job.persist();
        });
        made.add(id);
        return id;
    }

    private FineTuneJobEntity row(String jobId) {
        return QuarkusTransaction.requiringNew().call(() -> entities.find(FineTuneJobEntity.class, jobId));
    }

    private long queuePosition(String jobId) {
        return Api.as(apiKey).get("/v1/fine-tuning/jobs/" + jobId).then().statusCode(200).extract().jsonPath()
                .getLong("queuePosition");
    }

    private List<String> messages(String jobId) {
        return QuarkusTransaction.requiringNew().call(() -> entities.createQuery(
                "select e.message from JobEventEntity e where e.jobId = ?1 order by e.id", String.class)
                .setParameter(1, jobId).getResultList());
    }
}
