package dev.bonsai.web;

import dev.bonsai.batch.BatchJob;
import dev.bonsai.batch.BatchService;
import dev.bonsai.dataset.DatasetFormat;
import dev.bonsai.model.Model;
import dev.bonsai.model.ModelService;
import dev.bonsai.platform.Download;
import dev.bonsai.platform.ProblemException;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateInstance;
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
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;
import org.jboss.resteasy.reactive.multipart.FileUpload;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Batches: a file of texts run through a model, the list with each batch's progress (refreshed
 * while any runs), its output to download as JSONL or CSV, and cancelling one.
 */
@Path("/dashboard/batches")
@Produces(MediaType.TEXT_HTML)
public class BatchPages {

    private static final int MAX_LISTED = 50;

    @Inject
    BatchService batches;

    @Inject
    ModelService models;

    @Inject
    Names names;

    @Inject
    DashboardSession session;

    @Inject
    DashboardErrors errors;

    @Inject
    @Location("dashboard/batches.html")
    Template page;

    @Inject
    @Location("dashboard/batch-list.html")
    Template batchList;

    /** A batch as listed, with its model's name. */
    public record Row(BatchJob job, String modelName, boolean active) {
    }

    @GET
    public String list() {
        List<Model> own = models.list(session.tenantId(), 100, null).data();
        return rows(page.data("nav", "batches").data("models", own)
                .data("idempotencyKey", UUID.randomUUID().toString())).render();
    }

    /** The list alone, which the page fetches again every two seconds while a batch is queued or running. */
    @GET
    @Path("/list")
    public String listOnly() {
        return rows(batchList.instance()).render();
    }

    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    public Response create(@RestForm("file") FileUpload file, @RestForm String model, @RestForm String textColumn,
            @RestForm String idColumn, @RestForm String idempotencyKey, HttpHeaders headers) {
        if (file == null || file.fileName() == null || file.fileName().isBlank()) {
            throw ProblemException.invalidField("/file", "Choose a CSV, TSV or JSONL file of texts.");
        }
        if (model == null || model.isBlank()) {
            throw ProblemException.invalidField("/model", "Choose the model that predicts the texts.");
        }
        DatasetFormat format = DatasetPages.formatOf(file);
        try (InputStream body = Files.newInputStream(file.uploadedFile())) {
            batches.create(session.tenantId(), new BatchService.CreateRequest(model, null, format, file.fileName(),
                    DatasetPages.blankToNull(textColumn), DatasetPages.blankToNull(idColumn)), body,
                    DatasetPages.blankToNull(idempotencyKey));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return SignInPages.navigate("/dashboard/batches", headers).build();
    }

    @POST
    @Path("/{id}/cancel")
    public String cancel(@RestPath String id) {
        batches.cancel(session.tenantId(), id);
        return rows(batchList.instance()).render();
    }

    @GET
    @Path("/{id}/output")
    @Produces({"application/jsonl", "text/csv", MediaType.TEXT_HTML})
    public Response output(@RestPath String id, @RestQuery String format, @HeaderParam("Range") String range,
            @HeaderParam("If-None-Match") String ifNoneMatch) {
        BatchService.Output output = batches.output(session.tenantId(), id, format);
        return Download.of(output.sha256(), output.bytes(), output.mediaType(), output.fileName(), range, ifNoneMatch,
                (offset, length) -> batches.open(output, offset, length));
    }

    @ServerExceptionMapper
    public Response problem(ProblemException e, HttpHeaders headers) {
        return errors.render(e, headers);
    }

    private TemplateInstance rows(TemplateInstance template) {
        String tenant = session.tenantId();
        Map<String, String> modelNames = new HashMap<>();
        List<Row> rows = batches.list(tenant, MAX_LISTED, null).data().stream()
                .map(job -> new Row(job, modelNames.computeIfAbsent(job.model(), id -> names.model(tenant, id)),
                        !JobViews.ENDED.contains(job.status())))
                .toList();
        return template.data("rows", rows).data("anyActive", rows.stream().anyMatch(Row::active));
    }
}
