package dev.bonsai.web;

import dev.bonsai.job.EventStreams;
import dev.bonsai.job.JobEvent;
import dev.bonsai.job.JobService;
import dev.bonsai.job.SseFrames;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.mutiny.Multi;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/** What the job pages of both kinds share: the live stream with progress, and the epoch chart. */
final class JobViews {

    static final Set<String> ENDED = Set.copyOf(JobService.ENDED);
    /** The most events a job page lists; a job's events are a few per epoch. */
    static final int MAX_EVENTS = 2000;

    private JobViews() {
    }

    /** A job's state as the page shows it while it runs. */
    static Map<String, Object> status(String status, double progress, Long queuePosition, Long etaSeconds) {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("status", status);
        state.put("progress", progress);
        state.put("queuePosition", queuePosition);
        state.put("etaSeconds", etaSeconds);
        return state;
    }

    /**
     * The tenant's job's events as they happen, each change of its state (what {@code state} shows
     * of the job) slipped in before them as an event of type {@code progress} (with the id of the
     * event before it, so that a page reconnecting after it misses nothing), until the job has ended.
     */
    static <V> Multi<OutboundSseEvent> live(EventStreams streams, Sse sse, JobService<?, V> jobs, String tenant, String id,
            long from, Function<V, Map<String, Object>> state) {
        jobs.checkOwned(tenant, id);
        AtomicReference<String> shown = new AtomicReference<>();
        return SseFrames.of(sse, streams.stream(from, last -> {
            EventStreams.Snapshot snapshot = jobs.eventsAfter(id, last);
            // On the stream's own thread: a transaction of its own.
            Map<String, Object> now = state.apply(QuarkusTransaction.requiringNew().call(() -> jobs.get(tenant, id)));
            // The ETA too, so that the page shows what the API answers even while progress stands still.
            String key = now.get("status") + "/" + now.get("progress") + "/" + now.get("queuePosition") + "/"
                    + now.get("etaSeconds");
            if (Objects.equals(key, shown.get())) {
                return snapshot;
            }
            shown.set(key);
            List<JobEvent> events = new ArrayList<>(snapshot.events().size() + 1);
            events.add(new JobEvent(last, OffsetDateTime.now(ZoneOffset.UTC), "info", "progress", null, now));
            events.addAll(snapshot.events());
            return new EventStreams.Snapshot(snapshot.finished(), events);
        }));
    }

    /**
     * The per-epoch figures of a job's metrics events, as the chart takes them: one point per epoch
     * event, in order, labelled by the epoch's number.
     */
    static Map<String, Object> epochChart(List<JobEvent> events) {
        List<String> labels = new ArrayList<>();
        List<Object> loss = new ArrayList<>();
        List<Object> validation = new ArrayList<>();
        // A classifier's epochs are chosen on macro-F1, an embedding model's on MRR@10.
        boolean retrieval = false;
        for (JobEvent event : events) {
            if (!"metrics".equals(event.type()) || event.data() == null || !event.data().containsKey("epoch")) {
                continue;
            }
            retrieval |= event.data().containsKey("validationMrrAt10");
            labels.add(String.valueOf(event.data().get("epoch")));
            loss.add(event.data().get("trainLoss"));
            validation.add(event.data().get(retrieval ? "validationMrrAt10" : "validationMacroF1"));
        }
        String figure = retrieval ? "validation MRR@10" : "validation macro-F1";
        return Map.of("type", "line", "title", "Training loss and " + figure + " per epoch", "x", "epoch",
                "labels", labels, "series", List.of(Map.of("name", "training loss", "title", "training loss", "values", loss),
                        Map.of("name", figure, "title", figure, "values", validation, "axis", "right")));
    }
}
