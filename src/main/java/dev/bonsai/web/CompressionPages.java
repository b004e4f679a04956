package dev.bonsai.web;

import dev.bonsai.compression.CompressionJob;
import dev.bonsai.compression.CompressionJobService;
import dev.bonsai.device.DeviceCatalog;
import dev.bonsai.job.EventStreams;
import dev.bonsai.job.JobEvent;
import dev.bonsai.job.SseFrames;
import dev.bonsai.job.JobEvents;
import dev.bonsai.model.Model;
import dev.bonsai.model.ModelService;
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
import java.util.ArrayList;
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

/**
 * Compression: the jobs with the form that starts one for a device, and a job's page with the
 * variant matrix, the accuracy-vs-latency plot and the downloads.
 */
@Path("/dashboard/compression")
@Produces(MediaType.TEXT_HTML)
public class CompressionPages {

    /** Recipes offered as checkboxes besides "auto"; any other can be typed. */
    static final List<String> RECIPES = List.of("int8-dynamic", "int8-static", "fp16", "vocabulary-pruning+int8-dynamic",
            "layer-drop:3+int8-dynamic", "layer-drop:3+vocabulary-pruning+int8-dynamic", "structured-pruning:50+int8-dynamic");
    private static final int PAGE_SIZE = 50;

    @Inject
    CompressionJobService jobs;

    @Inject
    ModelService models;

    @Inject
    DeviceCatalog devices;

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
    @Location("dashboard/compression.html")
    Template list;

    @Inject
    @Location("dashboard/compression-job.html")
    Template detail;

    @GET
    public String list(@RestQuery String model, @RestQuery String after) {
        String tenant = session.tenantId();
        Page<CompressionJob> page = jobs.list(tenant, PAGE_SIZE, after);
        List<Model> own = models.list(tenant, 100, null).data();
        Map<String, String> modelNames = new HashMap<>();
        own.forEach(m -> modelNames.put(m.id(), m.name() == null ? m.id() : m.name()));
        List<JobRow> rows = page.data().stream().map(job -> new JobRow(job,
                modelNames.computeIfAbsent(job.model(), id -> names.model(tenant, id)), names.device(job.device()),
                recommendedRecipe(job))).toList();
        return list.data("nav", "compression").data("page", page).data("rows", rows).data("models", own)
                .data("selectedModel", model == null ? "" : model).data("devices", devices.list())
                .data("recipes", RECIPES).data("idempotencyKey", UUID.randomUUID().toString()).render();
    }

    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response create(@RestForm String model, @RestForm String device, @RestForm List<String> recipe,
            @RestForm String customRecipe, @RestForm String maxAccuracyDrop, @RestForm String maxLatencyMillis,
            @RestForm String maxSizeMegabytes, @RestForm String idempotencyKey, HttpHeaders headers) {
        List<String> recipes = new ArrayList<>(recipe == null ? List.of() : recipe);
        if (DatasetPages.blankToNull(customRecipe) != null) {
            recipes.add(customRecipe.strip());
        }
        Object techniques = recipes.isEmpty() || recipes.contains("auto") ? "auto" : recipes;
        Map<String, Object> limits = new LinkedHashMap<>();
        FineTuningPages.put(limits, "maxAccuracyDrop", maxAccuracyDrop);
        FineTuningPages.put(limits, "maxLatencyMillis", maxLatencyMillis);
        FineTuningPages.put(limits, "maxSizeMegabytes", maxSizeMegabytes);
        CompressionJobService.Created created = jobs.create(session.tenantId(), new CompressionJobService.CreateRequest(
                DatasetPages.blankToNull(model), DatasetPages.blankToNull(device), techniques,
                number(limits, "maxAccuracyDrop", "/maxAccuracyDrop"), number(limits, "maxLatencyMillis", "/maxLatencyMillis"),
                limits.get("maxSizeMegabytes") == null ? null
                        : Math.round(number(limits, "maxSizeMegabytes", "/maxSizeBytes") * 1_000_000)),
                DatasetPages.blankToNull(idempotencyKey));
        return SignInPages.navigate("/dashboard/compression/" + created.job().id(), headers).build();
    }

    @GET
    @Path("/{id}")
    public String job(@RestPath String id) {
        CompressionJob job = jobs.get(session.tenantId(), id);
        boolean ended = JobViews.ENDED.contains(job.status());
        // A running job's page is filled by its live stream, which starts from the first event.
        List<JobEvent> history = ended ? events.after(id, 0, JobViews.MAX_EVENTS) : List.of();
        return detail.data("nav", "compression").data("job", job).data("events", history)
                .data("ended", ended).data("modelName", names.model(session.tenantId(), job.model()))
                .data("deviceName", names.device(job.device()))
                .data("variants", job.result() == null ? List.of() : job.result().get("variants"))
                .data("plot", plot(job)).render();
    }

    @GET
    @Path("/{id}/events")
    @Blocking
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<OutboundSseEvent> stream(@RestPath String id, @HeaderParam(SseFrames.LAST_EVENT_ID) String lastEventId,
            @Context Sse sse) {
        return JobViews.live(streams, sse, jobs, session.tenantId(), id, SseFrames.lastEventId(lastEventId),
                job -> JobViews.status(job.status(), job.progress(), job.queuePosition(), job.etaSeconds()));
    }

    @POST
    @Path("/{id}/cancel")
    public Response cancel(@RestPath String id, HttpHeaders headers) {
        jobs.cancel(session.tenantId(), id);
        return SignInPages.navigate("/dashboard/compression/" + id, headers).build();
    }

    @ServerExceptionMapper
    public Response problem(ProblemException e, HttpHeaders headers) {
        return errors.render(e, headers);
    }

    /** A row of the jobs list, with the names people read. */
    record JobRow(CompressionJob job, String modelName, String deviceName, String recommended) {
    }

    /** The recipe of the job's recommended variant, or null. */
    @SuppressWarnings("unchecked")
    static String recommendedRecipe(CompressionJob job) {
        if (job.result() == null || !(job.result().get("variants") instanceof List<?> variants)) {
            return null;
        }
        Object recommended = job.result().get("recommendedVariantId");
        return variants.stream().map(item -> (Map<String, Object>) item)
                .filter(variant -> recommended != null && recommended.equals(variant.get("variantId")))
                .map(variant -> (String) variant.get("recipe")).findFirst().orElse(null);
    }

    /**
     * The scatter plot's points: accuracy against single-text latency, with each variant's verdict,
     * and whether it is on the frontier of these two axes (the matrix's Pareto tag counts size too, so
     * the plot draws its own frontier: a variant no other is both as fast and as accurate as). A
     * variant without both figures is not plotted.
     */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> plot(CompressionJob job) {
        if (job.result() == null || !(job.result().get("variants") instanceof List<?> variants)) {
            return List.of();
        }
        List<Map<String, Object>> points = new ArrayList<>();
        for (Object item : variants) {
            Map<String, Object> variant = (Map<String, Object>) item;
            Map<String, Object> latency = (Map<String, Object>) variant.get("hostLatency");
            Map<String, Object> batch1 = latency == null ? null : (Map<String, Object>) latency.get("batch1");
            Map<String, Object> point = new LinkedHashMap<>();
            point.put("recipe", variant.get("recipe"));
            point.put("accuracy", variant.get("accuracy"));
            point.put("latencyMillis", batch1 == null ? null : batch1.get("p50Millis"));
            point.put("bytes", variant.get("bytes"));
            point.put("status", variant.get("status"));
            if (point.get("accuracy") instanceof Number && point.get("latencyMillis") instanceof Number) {
                points.add(point);
            }
        }
        for (Map<String, Object> point : points) {
            double accuracy = ((Number) point.get("accuracy")).doubleValue();
            double latency = ((Number) point.get("latencyMillis")).doubleValue();
            boolean dominated = points.stream().anyMatch(other -> {
                double a = ((Number) other.get("accuracy")).doubleValue();
                double l = ((Number) other.get("latencyMillis")).doubleValue();
                return other != point && a >= accuracy && l <= latency && (a > accuracy || l < latency);
            });
            point.put("frontier", !dominated);
        }
        return points;
    }

    /** A limit typed in the form: a number, or the API's own answer naming the field. */
    private static Double number(Map<String, Object> limits, String key, String pointer) {
        Object value = limits.get(key);
        if (value == null) {
            return null;
        }
        if (value instanceof Number number) {
            return number.doubleValue();
        }
        throw ProblemException.invalidField(pointer, "Type a number, or leave it empty.");
    }
}
