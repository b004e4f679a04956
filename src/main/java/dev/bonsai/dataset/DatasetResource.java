package dev.bonsai.dataset;

import dev.bonsai.platform.Page;
import dev.bonsai.platform.ProblemException;
import dev.bonsai.platform.ProblemType;
import dev.bonsai.platform.Uploads;
import dev.bonsai.tenant.Caller;
import jakarta.inject.Inject;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.ResponseStatus;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;
import org.jboss.resteasy.reactive.multipart.FileUpload;

@Produces(MediaType.APPLICATION_JSON)
@Path("/v1/datasets")
@Tag(name = "Datasets", description = "Labelled text datasets and their validation reports")
public class DatasetResource {

    static final String TSV = "text/tab-separated-values";
    static final String JSONL = "application/jsonl";
    static final String NDJSON = "application/x-ndjson";
    static final String TASK = "classification (the default): labelled texts, textColumn and labelColumn; embedding:"
            + " pairs for an embedding model, anchorColumn, positiveColumn and negativeColumn";
    static final String NEGATIVE = "A pair dataset's column of hard negatives (default negative, read when the file has"
            + " it; a column named here must be there)";

    @Inject
    DatasetService datasets;

    @Inject
    Caller caller;

    @POST
    @Consumes({"text/csv", TSV, JSONL, NDJSON})
    @ResponseStatus(201)
    @Operation(operationId = "uploadDataset", summary = "Upload a dataset: a multipart 'file', or the raw body",
            description = "A raw body's Content-Type names its format (text/csv, text/tab-separated-values,"
                    + " application/jsonl); a multipart file's format comes from 'format', else the file name, else the"
                    + " part's Content-Type. Answers 201 with the dataset and its validation report, or 422 (code"
                    + " dataset_rejected) with the rejected dataset, whose report names the lines at fault."
                    + " A generated client that serializes every body as JSON must be told to send a raw body as it is:"
                    + " with openapi-fetch, body: text, bodySerializer: (body) => body and the Content-Type header;"
                    + " or send multipart/form-data.")
    @RequestBody(content = {
        @Content(mediaType = "text/csv", schema = @Schema(type = SchemaType.STRING)),
        @Content(mediaType = TSV, schema = @Schema(type = SchemaType.STRING)),
        @Content(mediaType = JSONL, schema = @Schema(type = SchemaType.STRING)),
        @Content(mediaType = NDJSON, schema = @Schema(type = SchemaType.STRING))})
    @APIResponse(responseCode = "201", description = "Accepted dataset with its report",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Dataset.class)))
    public Dataset upload(InputStream body, @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
            @RestQuery String name,
            @Parameter(description = "csv, tsv or jsonl", schema = @Schema(enumeration = {"csv", "tsv", "jsonl"}))
            @RestQuery("format") String formatName, @RestQuery String textColumn,
            @RestQuery String labelColumn, @RestQuery String splitColumn,
            @Parameter(description = TASK, schema = @Schema(enumeration = {"classification", "embedding"}))
            @RestQuery String task,
            @Parameter(description = "A pair dataset's anchor column (default anchor)") @RestQuery String anchorColumn,
            @Parameter(description = "A pair dataset's positive column (default positive)") @RestQuery String positiveColumn,
            @Parameter(description = NEGATIVE) @RestQuery String negativeColumn) {
        if (formatName != null && !formatName.isBlank() && DatasetFormat.fromName(formatName).isEmpty()) {
            throw ProblemException.invalidField("/format", "format must be csv, tsv or jsonl.");
        }
        DatasetFormat format = DatasetFormat.fromName(formatName).or(() -> DatasetFormat.fromMediaType(contentType))
                .orElseThrow(() -> new ProblemException(ProblemType.UNSUPPORTED_MEDIA_TYPE,
                        "Send text/csv, text/tab-separated-values or application/jsonl."));
        return datasets.upload(caller.tenantId(), new DatasetService.UploadRequest(name, null, format, textColumn,
                labelColumn, splitColumn, task, anchorColumn, positiveColumn, negativeColumn), body);
    }

    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @ResponseStatus(201)
    @APIResponse(responseCode = "201", description = "Created", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Dataset.class)))
    @Operation(operationId = "uploadDataset")
    public Dataset uploadFile(@RestForm("file") @Schema(type = SchemaType.STRING, format = "binary") FileUpload file,
            @RestForm(FileUpload.ALL) @Schema(hidden = true) List<FileUpload> allFiles,
            @RestQuery String name,
            @Parameter(description = "csv, tsv or jsonl", schema = @Schema(enumeration = {"csv", "tsv", "jsonl"}))
            @RestQuery String format, @RestQuery String textColumn, @RestQuery String labelColumn,
            @RestQuery String splitColumn,
            @Parameter(description = TASK, schema = @Schema(enumeration = {"classification", "embedding"}))
            @RestQuery String task,
            @Parameter(description = "A pair dataset's anchor column (default anchor)") @RestQuery String anchorColumn,
            @Parameter(description = "A pair dataset's positive column (default positive)") @RestQuery String positiveColumn,
            @Parameter(description = NEGATIVE) @RestQuery String negativeColumn,
            @BeanParam UploadFormFields fields) {
        // Form fields are accepted too (curl -F name=...), the query wins when both are given.
        name = Uploads.first(name, fields.name);
        format = Uploads.first(format, fields.format);
        textColumn = Uploads.first(textColumn, fields.textColumn);
        labelColumn = Uploads.first(labelColumn, fields.labelColumn);
        splitColumn = Uploads.first(splitColumn, fields.splitColumn);
        task = Uploads.first(task, fields.task);
        anchorColumn = Uploads.first(anchorColumn, fields.anchorColumn);
        positiveColumn = Uploads.first(positiveColumn, fields.positiveColumn);
        negativeColumn = Uploads.first(negativeColumn, fields.negativeColumn);
        Uploads.single(file, allFiles, "the dataset");
        DatasetFormat resolved = DatasetFormat.fromName(format)
                .or(() -> DatasetFormat.fromName(file.fileName()))
                .or(() -> DatasetFormat.fromMediaType(file.contentType()))
                .orElseThrow(() -> ProblemException.invalidField("/format",
                        "Could not tell the format: name the file .csv, .tsv or .jsonl, or send format=csv|tsv|jsonl."));
        if (format != null && !format.isBlank() && DatasetFormat.fromName(format).isEmpty()) {
            throw ProblemException.invalidField("/format", "format must be csv, tsv or jsonl.");
        }
        try (InputStream body = Files.newInputStream(file.uploadedFile())) {
            return datasets.upload(caller.tenantId(), new DatasetService.UploadRequest(name, file.fileName(), resolved,
                    textColumn, labelColumn, splitColumn, task, anchorColumn, positiveColumn, negativeColumn), body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The upload settings as multipart form fields, for clients that prefer them to the query. */
    public static class UploadFormFields {
        @RestForm
        @Schema(hidden = true)
        String name;

        @RestForm
        @Schema(hidden = true)
        String format;

        @RestForm
        @Schema(hidden = true)
        String textColumn;

        @RestForm
        @Schema(hidden = true)
        String labelColumn;

        @RestForm
        @Schema(hidden = true)
        String splitColumn;

        @RestForm
        @Schema(hidden = true)
        String task;

        @RestForm
        @Schema(hidden = true)
        String anchorColumn;

        @RestForm
        @Schema(hidden = true)
        String positiveColumn;

        @RestForm
        @Schema(hidden = true)
        String negativeColumn;
    }


    @GET
    @Operation(operationId = "listDatasets", summary = "List datasets, newest first")
    public Page<Dataset> list(@RestQuery Integer limit, @RestQuery String after) {
        return datasets.list(caller.tenantId(), limit, after);
    }

    @GET
    @Path("/{id}")
    @Operation(operationId = "getDataset", summary = "Get a dataset")
    public Dataset get(@RestPath String id) {
        return datasets.get(caller.tenantId(), id);
    }

    @GET
    @Path("/{id}/report")
    @Operation(operationId = "getDatasetReport", summary = "Get a dataset's validation report")
    public DatasetReport report(@RestPath String id) {
        return datasets.report(caller.tenantId(), id);
    }

    @GET
    @Path("/{id}/rows")
    @Operation(operationId = "listDatasetRows", summary = "Preview a dataset's rows in file order, optionally of one split")
    public Page<DatasetRow> rows(@RestPath String id,
            @Parameter(description = "Only the rows of this split",
                    schema = @Schema(enumeration = {"train", "validation", "test"}))
            @RestQuery String split, @RestQuery Integer limit,
            @RestQuery String after) {
        return datasets.rows(caller.tenantId(), id, split, limit, after);
    }

    @DELETE
    @Path("/{id}")
    @ResponseStatus(204)
    @APIResponse(responseCode = "204", description = "Deleted")
    @Operation(operationId = "deleteDataset", summary = "Delete a dataset (409 while a job uses it)")
    public void delete(@RestPath String id) {
        datasets.delete(caller.tenantId(), id);
    }
}
