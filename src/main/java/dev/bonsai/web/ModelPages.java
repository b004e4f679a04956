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

    @Inject
    @Location("dashboard/search.html")
    Template search;

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
                .data("embeds", "embedding".equals(model.task()))
                .data("retrieval", retrievalRows(model.metrics()))
                .data("validation", model.metrics().get("validation"))
                .data("confusion", test instanceof Map<?, ?> figures ? heatmap(model.labels(), figures.get("confusion")) : List.of())
                .data("datasetName", names.dataset(tenant, model.datasetId()))
                .data("baseModelName", names.baseModel(model.baseModel()))
                .data("variantNames", names.variants(tenant, model)).render();
    }

    /** One figure of an embedding model against its base model, on one split's queries. */
    record RetrievalRow(String split, String figure, Object trained, Object base) {
    }

    /** An embedding model's retrieval figures against its base model's, test first; none for a classifier. */
    static List<RetrievalRow> retrievalRows(Map<String, Object> metrics) {
        List<RetrievalRow> rows = new ArrayList<>();
        if (!(metrics.get("baseModel") instanceof Map<?, ?> base)) {
            return rows;
        }
        Map<String, String> figures = new java.util.LinkedHashMap<>();
        figures.put("recallAt1", "Recall@1");
        figures.put("recallAt10", "Recall@10");
        figures.put("mrrAt10", "MRR@10");
        figures.put("ndcgAt10", "nDCG@10");
        for (String split : List.of("test", "validation")) {
            if (metrics.get(split) instanceof Map<?, ?> trained && base.get(split) instanceof Map<?, ?> before) {
                figures.forEach((key, name) -> rows.add(new RetrievalRow(split, name, trained.get(key), before.get(key))));
            }
        }
        return rows;
    }

    /** One passage of the search box, with its cosine similarity to the query. */
    record Ranked(String passage, double score) {
    }

    /** The search box of an embedding model: the passages (one per line) ranked for the query by cosine similarity. */
    @POST
    @Path("/{id}/search")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public String search(@RestPath String id, @RestForm String query, @RestForm String passages, @RestForm String variant) {
        if (query == null || query.isBlank()) {
            throw ProblemException.invalidField("/input", "Type a query.");
        }
        List<String> candidates = passages == null ? List.of()
                : passages.lines().map(String::strip).filter(line -> !line.isEmpty()).toList();
        if (candidates.isEmpty()) {
            throw ProblemException.invalidField("/input", "Type the passages to rank, one per line.");
        }
        List<String> inputs = new ArrayList<>();
        inputs.add(query.strip());
        inputs.addAll(candidates);
        PredictionService.Embeddings answer = predictions.embed(session.tenantId(), id,
                new PredictionService.EmbeddingsRequest(inputs, DatasetPages.blankToNull(variant), null, null));
        float[] queryVector = (float[]) answer.data().get(0).embedding();
        List<Ranked> ranked = new ArrayList<>();
        for (int i = 1; i < answer.data().size(); i++) {
            float[] vector = (float[]) answer.data().get(i).embedding();
            double score = 0;
            for (int d = 0; d < vector.length; d++) {
                score += (double) vector[d] * queryVector[d];
            }
            ranked.add(new Ranked(candidates.get(i - 1), score));
        }
        ranked.sort(java.util.Comparator.comparingDouble(Ranked::score).reversed());
        Model model = models.get(session.tenantId(), id);
        return search.data("query", query.strip()).data("ranked", ranked).data("tokens", answer.usage().totalTokens())
                .data("variantName", names.variants(session.tenantId(), model).getOrDefault(answer.variant(), answer.variant()))
                .render();
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
