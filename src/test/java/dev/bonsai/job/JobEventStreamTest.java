package dev.bonsai.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bonsai.finetune.FineTuneJobEntity;
import dev.bonsai.platform.Ids;
import dev.bonsai.support.Api;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A job's event stream as a client on the wire sees it: every event with its id, heartbeat
 * comments while the job is silent (every 0.5 s in tests), and a reconnect with Last-Event-ID that
 * gets what it missed and nothing twice. The job row is made here and never queued, so the test
 * decides when its events happen and when it ends.
 */
@QuarkusTest
class JobEventStreamTest {

    private static final String END = "(stream ended)";

    @Inject
    JobLifecycle lifecycle;

    @Inject
    EntityManager entities;

    @TestHTTPResource("/")
    URI server;

    private final HttpClient http = HttpClient.newHttpClient();
    private String tenantId;
    private String apiKey;
    private String jobId;

    @BeforeEach
    void aRunningJob() {
        io.restassured.path.json.JsonPath tenant = Api.asAdmin().contentType(ContentType.JSON)
                .body(Map.of("name", "streams-" + UUID.randomUUID())).post("/v1/tenants").then().statusCode(201)
                .extract().jsonPath();
        tenantId = tenant.getString("id");
        apiKey = tenant.getString("apiKey.secret");
        jobId = Ids.next("ftjob");
        QuarkusTransaction.requiringNew().run(() -> {
            FineTuneJobEntity job = new FineTuneJobEntity();
            job.id = jobId;
            job.tenantId = tenantId;
            job.baseModel = "all-minilm-l6-v2";
            job.datasetId = "ds_none";
            job.method = "head";
            job.hyperparameters = Map.of();
            job.status = "queued";
            job.createdAt = OffsetDateTime.now(ZoneOffset.UTC);
            job.persist();
        });
    }

    @AfterEach
    void endTheJob() {
        end();
    }

    @Test
    void eachEventCarriesItsIdHeartbeatsFillTheSilenceAndAReconnectGetsOnlyWhatItMissed() throws Exception {
        Attempt<FineTuneJobEntity> attempt = new Attempt<>(lifecycle, FineTuneJobEntity.class, jobId,
                lifecycle.start(FineTuneJobEntity.class, jobId).attempts);
        attempt.message("info", "first");
        attempt.message("info", "second");
        attempt.message("info", "third");

        BlockingQueue<String> lines = open(null);
        List<Frame> sent = new ArrayList<>(); // "Job started." first, then the test's three
        do {
            sent.add(nextEvent(lines));
        } while (!sent.get(sent.size() - 1).data().contains("third"));
        assertEquals(4, sent.size(), "each event once: " + sent);
        for (Frame frame : sent) {
            assertNotNull(frame.id(), "every event has an id: " + frame);
            assertTrue(frame.data().contains("\"id\":" + frame.id() + ","), "the id is the event's: " + frame);
        }

        Frame silence = frame(lines);
        assertEquals(List.of(":heartbeat"), silence.comments(), "a silent job's stream sends heartbeats");
        assertNull(silence.id());

        attempt.message("info", "fourth");
        Frame fourth = nextEvent(lines);
        assertTrue(fourth.data().contains("fourth"));
        end();
        assertEquals(END, nextEvent(lines).data(), "the stream ends once the job has");

        // A client that had the second event reconnects: it gets the third and the fourth, once each.
        String second = sent.stream().filter(f -> f.data().contains("second")).findFirst().orElseThrow().id();
        BlockingQueue<String> again = open(second);
        assertTrue(nextEvent(again).data().contains("third"));
        assertEquals(fourth.id(), nextEvent(again).id());
        assertEquals(END, nextEvent(again).data());

        // Having everything, it gets nothing more.
        assertEquals(END, nextEvent(open(fourth.id())).data());
    }

    @Test
    void aLastEventIdThatIsNoIdIsAProblemAndAnotherTenantsJobIsNotFound() throws Exception {
        HttpResponse<String> bad = http.send(request("not-a-number", apiKey), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, bad.statusCode());
        assertEquals("application/problem+json", bad.headers().firstValue("Content-Type").orElse("").split(";")[0]);
        assertTrue(bad.body().contains("Last-Event-ID"), bad.body());

        String other = Api.newTenant();
        HttpResponse<String> foreign = http.send(request(null, other), HttpResponse.BodyHandlers.ofString());
        assertEquals(404, foreign.statusCode());
    }

    /** One server-sent event as the wire carries it: its id, data and comment lines. */
    private record Frame(String id, String data, List<String> comments) {
    }

    private HttpRequest request(String lastEventId, String key) {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.resolve("/v1/fine-tuning/jobs/" + jobId + "/events/stream"))
                .header("Authorization", "Bearer " + key).header("Accept", "text/event-stream")
                .timeout(Duration.ofSeconds(30));
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        return request.build();
    }

    /** The stream's lines as they arrive, then {@link #END}. */
    private BlockingQueue<String> open(String lastEventId) throws Exception {
        HttpResponse<java.util.stream.Stream<String>> response = http.send(request(lastEventId, apiKey),
                HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, response.statusCode());
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try {
                response.body().forEach(lines::add);
            } finally {
                lines.add(END);
            }
        });
        reader.setDaemon(true);
        reader.start();
        return lines;
    }

    /** The next frame: lines up to an empty one. */
    private static Frame frame(BlockingQueue<String> lines) throws InterruptedException {
        String id = null;
        StringBuilder data = new StringBuilder();
        List<String> comments = new ArrayList<>();
        while (true) {
            String line = lines.poll(10, TimeUnit.SECONDS);
            assertNotNull(line, "a frame within 10 s");
            if (line.equals(END)) {
                return new Frame(null, END, comments);
            }
            if (line.isEmpty()) {
                if (id != null || !data.isEmpty() || !comments.isEmpty()) {
                    return new Frame(id, data.toString(), comments);
                }
            } else if (line.startsWith(":")) {
                comments.add(line);
            } else if (line.startsWith("id:")) {
                id = line.substring(3).strip();
            } else if (line.startsWith("data:")) {
                data.append(line.substring(5).strip());
            }
        }
    }

    /** The next frame that is an event (or the end), past heartbeats. */
    private static Frame nextEvent(BlockingQueue<String> lines) throws InterruptedException {
        Frame frame = frame(lines);
        while (frame.data().isEmpty() && !frame.comments().isEmpty()) {
            frame = frame(lines);
        }
        return frame;
    }

    private void end() {
        QuarkusTransaction.requiringNew().run(() -> {
            FineTuneJobEntity job = entities.find(FineTuneJobEntity.class, jobId);
            if (!job.finished()) {
                job.status = "cancelled";
                job.finishedAt = OffsetDateTime.now(ZoneOffset.UTC);
            }
        });
    }
}
