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
import java.util.List;
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
        Model model = models.get(session.tenantId(), id);
        return detail.data("nav", "models").data("model", model).data("test", model.metrics().get("test"))
                .data("validation", model.metrics().get("validation")).render();
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
        return prediction.data("inputs", inputs).data("answer", answer).render();
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
