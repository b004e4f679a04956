package dev.bonsai.web;

import dev.bonsai.dataset.Dataset;
import dev.bonsai.dataset.DatasetFormat;
import dev.bonsai.dataset.DatasetReport;
import dev.bonsai.dataset.DatasetRow;
import dev.bonsai.dataset.DatasetService;
import dev.bonsai.platform.Page;
import dev.bonsai.platform.ProblemException;
import dev.bonsai.platform.ProblemType;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
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
import java.util.List;
import java.util.Map;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;
import org.jboss.resteasy.reactive.multipart.FileUpload;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Datasets: the list with the upload form, and one dataset's validation report and rows. */
@Path("/dashboard/datasets")
@Produces(MediaType.TEXT_HTML)
public class DatasetPages {

    private static final int PAGE_SIZE = 50;
    private static final int PREVIEW_ROWS = 20;

    @Inject
    DatasetService datasets;

    @Inject
    DashboardSession session;

    @Inject
    DashboardErrors errors;

    @Inject
    @Location("dashboard/datasets.html")
    Template list;

    @Inject
    @Location("dashboard/dataset.html")
    Template detail;

    @GET
    public String list(@RestQuery String after) {
        Page<Dataset> page = datasets.list(session.tenantId(), PAGE_SIZE, after);
        return list.data("nav", "datasets").data("page", page).render();
    }

    /**
     * The upload form's target. A rejected dataset is kept with its report, so either way the browser
     * is sent to the dataset's page, where the report says what was found.
     */
    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    public Response upload(@RestForm("file") FileUpload file, @RestForm String name, @RestForm String textColumn,
            @RestForm String labelColumn, @RestForm String task, HttpHeaders headers) {
        if (file == null || file.fileName() == null || file.fileName().isBlank()) {
            throw ProblemException.invalidField("/file", "Choose a CSV, TSV or JSONL file, or drop one on the box.");
        }
        DatasetFormat format = formatOf(file);
        String id;
        try (InputStream body = Files.newInputStream(file.uploadedFile())) {
            // Pairs are read from their default columns (anchor, positive, negative); the text and label
            // columns are a labelled file's.
            boolean pairs = "embedding".equals(task);
            id = datasets.upload(session.tenantId(), new DatasetService.UploadRequest(blankToNull(name), file.fileName(),
                    format, pairs ? null : blankToNull(textColumn), pairs ? null : blankToNull(labelColumn), null,
                    blankToNull(task), null, null, null), body).id();
        } catch (ProblemException e) {
            if (e.type() != ProblemType.DATASET_REJECTED
                    || !(e.toProblem().extensionMembers().get("dataset") instanceof Dataset rejected)) {
                throw e;
            }
            id = rejected.id();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return SignInPages.navigate("/dashboard/datasets/" + id, headers).build();
    }

    @GET
    @Path("/{id}")
    public String dataset(@RestPath String id) {
        String tenant = session.tenantId();
        Dataset dataset = datasets.get(tenant, id);
        List<DatasetRow> rows = "ready".equals(dataset.status())
                ? datasets.rows(tenant, id, null, PREVIEW_ROWS, null).data()
                : List.of();
        return detail.data("nav", "datasets").data("dataset", dataset).data("report", datasets.report(tenant, id))
                .data("rows", rows).data("chart", labelChart(dataset)).render();
    }

    @ServerExceptionMapper
    public Response problem(ProblemException e, HttpHeaders headers) {
        return errors.render(e, headers);
    }

    /** Rows per label, stacked by split. Only a ready dataset has splits; a rejected one has no chart. */
    static Map<String, Object> labelChart(Dataset dataset) {
        List<DatasetReport.LabelCount> labels = dataset.labels();
        return Map.of("type", "bar", "title", "Rows per label and split", "stacked", true,
                "labels", labels.stream().map(DatasetReport.LabelCount::label).toList(),
                "series", List.of(
                        Map.of("name", "train", "title", "rows", "values", labels.stream().map(l -> orZero(l.train())).toList()),
                        Map.of("name", "validation", "values", labels.stream().map(l -> orZero(l.validation())).toList()),
                        Map.of("name", "test", "values", labels.stream().map(l -> orZero(l.test())).toList())));
    }

    private static long orZero(Long count) {
        return count == null ? 0 : count;
    }

    /** An uploaded file's format, from its name or else its content type; a 422 on {@code /file} when neither tells. */
    static DatasetFormat formatOf(FileUpload file) {
        return DatasetFormat.fromName(file.fileName())
                .or(() -> DatasetFormat.fromMediaType(file.contentType()))
                .orElseThrow(() -> ProblemException.invalidField("/file",
                        "Could not tell the file's format: name it .csv, .tsv or .jsonl."));
    }

    static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
