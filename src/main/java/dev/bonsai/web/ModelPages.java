package dev.bonsai.web;

import dev.bonsai.inference.PredictionService;
import dev.bonsai.model.Downloads;
import dev.bonsai.model.Model;
import dev.bonsai.model.ModelService;
import dev.bonsai.platform.Page;
import dev.bonsai.platform.ProblemException;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Models: the list, a model's metrics and variants with downloads, and the "try it" box. */
@Path("/dashboard/models")
@Produces(MediaType.TEXT_HTML)
public class ModelPages {

    private static final int PAGE_SIZE = 50;

    @Inject
    ModelService models;

    @Inject
    PredictionService predictions;

    @Inject
    Downloads downloads;

    @Inject
    DashboardSession session;

    @Inject
    Names names;

    @Inject
    DashboardErrors errors;

    @Inject
    @Location("dashboard/models.html")
    Template list;

    @Inject
    @Location("dashboard/model.html")
    Template detail;

    @Inject
    @Location("dashboard/prediction.html")
    Template prediction;

    @GET
    public String list(@RestQuery String after) {
        Page<Model> page = models.list(session.tenantId(), PAGE_SIZE, after);
        return list.data("nav", "models").data("page", page).render();
    }

    @GET
    @Path("/{id}")
    public String model(@RestPath String id) {
        String tenant = session.tenantId();
        Model model = models.get(tenant, id);
        Object test = model.metrics().get("test");
        return detail.data("nav", "models").data("model", model).data("test", test)
                .data("validation", model.metrics().get("validation"))
                .data("confusion", test instanceof Map<?, ?> figures ? heatmap(model.labels(), figures.get("confusion")) : List.of())
                .data("datasetName", names.dataset(tenant, model.datasetId()))
                .data("baseModelName", names.baseModel(model.baseModel()))
                .data("variantNames", names.variants(tenant, model)).render();
    }

    /** One cell of the confusion matrix: its count and how strongly to shade it. */
    record Cell(long count, String shade) {
    }

    /** A confusion row: the true label and its cells. */
    record ConfusionRow(String label, List<Cell> cells) {
    }

    /**
     * The confusion matrix as a heatmap: each cell shaded by its share of the true label's rows,
     * green on the diagonal and red off it, so that errors stand out as much as hits.
     */
    static List<ConfusionRow> heatmap(List<String> labels, Object confusion) {
        if (!(confusion instanceof List<?> rows)) {
            return List.of();
        }
        List<ConfusionRow> heat = new ArrayList<>();
        for (int i = 0; i < rows.size() && i < labels.size(); i++) {
            List<?> row = (List<?>) rows.get(i);
            long total = row.stream().mapToLong(n -> ((Number) n).longValue()).sum();
            List<Cell> cells = new ArrayList<>();
            for (int j = 0; j < row.size(); j++) {
                long n = ((Number) row.get(j)).longValue();
                int level = n == 0 || total == 0 ? 0 : (int) Math.ceil(4.0 * n / total);
                cells.add(new Cell(n, level == 0 ? "" : (i == j ? "hit-" : "miss-") + level));
            }
            heat.add(new ConfusionRow(labels.get(i), cells));
        }
        return heat;
    }

    /** The "try it" box: each non-empty line of the text is one input. */
    @POST
    @Path("/{id}/predictions")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public String predict(@RestPath String id, @RestForm String text, @RestForm String variant) {
        List<String> inputs = text == null ? List.of()
                : text.lines().map(String::strip).filter(line -> !line.isEmpty()).toList();
        if (inputs.isEmpty()) {
            throw ProblemException.invalidField("/inputs", "Type a text to classify (one per line for several).");
        }
        PredictionService.Predictions answer = predictions.predict(session.tenantId(), id,
                new PredictionService.PredictRequest(inputs, DatasetPages.blankToNull(variant), null, false));
        Model model = models.get(session.tenantId(), id);
        return prediction.data("inputs", inputs).data("answer", answer)
                .data("variantName", names.variants(session.tenantId(), model).getOrDefault(answer.variant(), answer.variant()))
                .render();
    }

    @GET
    @Path("/{id}/variants/{variantId}/content")
    @Produces({"application/octet-stream", "application/zip", MediaType.TEXT_HTML})
    public Response download(@RestPath String id, @RestPath String variantId, @RestQuery String format,
            @HeaderParam("Range") String range, @HeaderParam("If-None-Match") String ifNoneMatch) throws IOException {
        return downloads.serve(session.tenantId(), id, variantId, format, range, ifNoneMatch);
    }

    @ServerExceptionMapper
    public Response problem(ProblemException e, HttpHeaders headers) {
        return errors.render(e, headers);
    }
}
