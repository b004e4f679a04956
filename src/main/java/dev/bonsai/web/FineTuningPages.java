package dev.bonsai.web;

import dev.bonsai.basemodel.BaseModelCatalog;
import dev.bonsai.dataset.Dataset;
import dev.bonsai.dataset.DatasetService;
import dev.bonsai.finetune.FineTuneJob;
import dev.bonsai.finetune.FineTuneJobService;
import dev.bonsai.job.EventStreams;
import dev.bonsai.job.JobEvent;
import dev.bonsai.job.SseFrames;
import dev.bonsai.job.JobEvents;
import dev.bonsai.platform.Page;
import dev.bonsai.platform.ProblemException;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;
import org.jboss.resteasy.reactive.RestStreamElementType;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Fine-tuning: the jobs with the form that starts one, and a job's live page. */
@Path("/dashboard/fine-tuning")
@Produces(MediaType.TEXT_HTML)
public class FineTuningPages {

    /**
     * The numeric hyperparameters, in the form's order: the API's name (the field's name, shown in
     * its hint for people who will call the API), the label, and what "auto" means.
     */
    static final List<Map<String, String>> HYPERPARAMETERS = List.of(
            Map.of("name", "epochs", "label", "Epochs, at most", "auto", "head: about 4,000 steps (10–200); partial and full: 3"),
            Map.of("name", "batchSize", "label", "Batch size", "auto", "head 32; partial and full 16"),
            Map.of("name", "learningRate", "label", "Learning rate", "auto", "head 0.01; partial and full 5e-5"),
            Map.of("name", "maxSequenceLength", "label", "Longest text (tokens)", "auto",
                    "enough for 99% of the texts, at most the base model's"),
            Map.of("name", "unfreezeLayers", "label", "Layers to train", "auto", "partial: a third of the layers"),
            Map.of("name", "seed", "label", "Random seed", "auto", "42"),
            Map.of("name", "earlyStoppingPatience", "label", "Patience (epochs)", "auto",
                    "head 5; partial and full 2"));

    private static final int PAGE_SIZE = 50;

    @Inject
    FineTuneJobService jobs;

    @Inject
    DatasetService datasets;

    @Inject
    BaseModelCatalog baseModels;

    @Inject
    JobEvents events;

    @Inject
    EventStreams streams;

    @Inject
    DashboardSession session;

    @Inject
    Names names;

    @Inject
    DashboardErrors errors;

    @Inject
    @Location("dashboard/fine-tuning.html")
    Template list;

    @Inject
    @Location("dashboard/fine-tuning-job.html")
    Template detail;

    @GET
    public String list(@RestQuery String dataset, @RestQuery String after) {
        String tenant = session.tenantId();
        Page<FineTuneJob> page = jobs.list(tenant, PAGE_SIZE, after);
        List<Dataset> ready = datasets.list(tenant, 100, null).data().stream()
                .filter(d -> "ready".equals(d.status())).toList();
        // A page lists a few datasets many times: each name is read once.
        Map<String, String> datasetNames = new HashMap<>();
        List<JobRow> rows = page.data().stream().map(job -> new JobRow(job,
                datasetNames.computeIfAbsent(job.dataset(), id -> names.dataset(tenant, id)),
                names.baseModel(job.baseModel()))).toList();
        return list.data("nav", "fine-tuning").data("page", page).data("rows", rows).data("datasets", ready)
                .data("selectedDataset", dataset == null ? "" : dataset).data("baseModels", baseModels.list())
                .data("hyperparameters", HYPERPARAMETERS).data("idempotencyKey", UUID.randomUUID().toString()).render();
    }

    /** A row of the jobs list, with the names people read. */
    record JobRow(FineTuneJob job, String datasetName, String baseModelName) {
    }

    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response create(@RestForm String baseModel, @RestForm String dataset, @RestForm String method,
            @RestForm String name, @RestForm String epochs, @RestForm String batchSize, @RestForm String learningRate,
            @RestForm String maxSequenceLength, @RestForm String unfreezeLayers, @RestForm String seed,
            @RestForm String earlyStoppingPatience, @RestForm String classWeights, @RestForm String idempotencyKey,
            HttpHeaders headers) {
        Map<String, Object> hyperparameters = new LinkedHashMap<>();
        put(hyperparameters, "epochs", epochs);
        put(hyperparameters, "batchSize", batchSize);
        put(hyperparameters, "learningRate", learningRate);
        put(hyperparameters, "maxSequenceLength", maxSequenceLength);
        put(hyperparameters, "unfreezeLayers", unfreezeLayers);
        put(hyperparameters, "seed", seed);
        put(hyperparameters, "earlyStoppingPatience", earlyStoppingPatience);
        if (classWeights != null && !classWeights.isBlank() && !"auto".equals(classWeights)) {
            hyperparameters.put("classWeights", classWeights);
        }
        FineTuneJobService.Created created = jobs.create(session.tenantId(), new FineTuneJobService.CreateRequest(
                DatasetPages.blankToNull(baseModel), DatasetPages.blankToNull(dataset), null,
                DatasetPages.blankToNull(method), null, hyperparameters, DatasetPages.blankToNull(name), null),
                DatasetPages.blankToNull(idempotencyKey));
        return SignInPages.navigate("/dashboard/fine-tuning/" + created.job().id(), headers).build();
    }

    @GET
    @Path("/{id}")
    public String job(@RestPath String id) {
        String tenant = session.tenantId();
        FineTuneJob job = jobs.get(tenant, id);
        boolean ended = JobViews.ENDED.contains(job.status());
        // A running job's page is filled by its live stream, which starts from the first event.
        List<JobEvent> history = ended ? events.after(id, 0, JobViews.MAX_EVENTS) : List.of();
        Long seconds = job.startedAt() == null || job.finishedAt() == null ? null
                : java.time.Duration.between(job.startedAt(), job.finishedAt()).toSeconds();
        return detail.data("nav", "fine-tuning").data("job", job).data("events", history)
                .data("ended", ended).data("chart", JobViews.epochChart(history))
                .data("datasetName", names.dataset(tenant, job.dataset()))
                .data("baseModelName", names.baseModel(job.baseModel()))
                .data("modelName", job.modelId() == null ? null : names.model(tenant, job.modelId()))
                .data("seconds", seconds)
                .data("bestEpoch", job.result() == null ? null : job.result().get("bestEpoch"))
                .data("warnings", history.stream().filter(e -> "warning".equals(e.level())).toList())
                .render();
    }

    /** The job's events and progress as they happen (SSE), for its page. */
    @GET
    @Path("/{id}/events")
    @Blocking
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<OutboundSseEvent> stream(@RestPath String id, @HeaderParam(SseFrames.LAST_EVENT_ID) String lastEventId,
            @Context Sse sse) {
        return JobViews.live(streams, sse, jobs, session.tenantId(), id, SseFrames.lastEventId(lastEventId), job -> {
            Map<String, Object> state = JobViews.status(job.status(), job.progress(), job.queuePosition(), job.etaSeconds());
            state.put("modelId", job.modelId());
            return state;
        });
    }

    @POST
    @Path("/{id}/cancel")
    public Response cancel(@RestPath String id, HttpHeaders headers) {
        jobs.cancel(session.tenantId(), id);
        return SignInPages.navigate("/dashboard/fine-tuning/" + id, headers).build();
    }

    @ServerExceptionMapper
    public Response problem(ProblemException e, HttpHeaders headers) {
        return errors.render(e, headers);
    }

    /**
     * A form field as the API takes it: left empty or "auto", it is not sent; a number is sent as one;
     * anything else is sent as typed, for the API's validation to name.
     */
    static void put(Map<String, Object> into, String key, String raw) {
        String value = DatasetPages.blankToNull(raw);
        if (value == null || "auto".equalsIgnoreCase(value)) {
            return;
        }
        try {
            into.put(key, Long.parseLong(value));
        } catch (NumberFormatException notWhole) {
            try {
                into.put(key, Double.parseDouble(value));
            } catch (NumberFormatException notNumber) {
                into.put(key, value);
            }
        }
    }
}
