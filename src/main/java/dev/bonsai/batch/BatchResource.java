package dev.bonsai.batch;

import dev.bonsai.dataset.DatasetFormat;
import dev.bonsai.job.EventStreams;
import dev.bonsai.job.JobEvent;
import dev.bonsai.job.SseFrames;
import dev.bonsai.platform.Download;
import dev.bonsai.platform.Page;
import dev.bonsai.platform.ProblemException;
import dev.bonsai.platform.ProblemType;
import dev.bonsai.platform.Uploads;
import dev.bonsai.tenant.Caller;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import jakarta.inject.Inject;
import jakarta.ws.rs.BeanParam;
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
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;
import org.jboss.resteasy.reactive.RestStreamElementType;
import org.jboss.resteasy.reactive.multipart.FileUpload;

@Produces(MediaType.APPLICATION_JSON)
@Path("/v1/batches")
@Tag(name = "Batches", description = "Predictions for a whole file of texts, run as a job")
public class BatchResource {

    static final String TSV = "text/tab-separated-values";
    static final String JSONL = "application/jsonl";
    static final String NDJSON = "application/x-ndjson";
    private static final String CREATE = "The file's format comes from 'format', else the file name, else its"
            + " Content-Type; every row must be readable (422 naming the lines otherwise, and nothing is kept). A row"
            + " whose text is empty or too long is answered in the output with an error instead of a prediction. With"
            + " an Idempotency-Key header, a retry with the same file and settings answers 200 with the first call's job.";

    @Inject
    BatchService batches;

    @Inject
    Caller caller;

    @POST
    @Consumes({"text/csv", TSV, JSONL, NDJSON})
    @Operation(operationId = "createBatch", summary = "Queue a batch of predictions: a multipart 'file', or the raw body",
            description = CREATE)
    @RequestBody(content = {
        @Content(mediaType = "text/csv", schema = @Schema(type = SchemaType.STRING)),
        @Content(mediaType = TSV, schema = @Schema(type = SchemaType.STRING)),
        @Content(mediaType = JSONL, schema = @Schema(type = SchemaType.STRING)),
        @Content(mediaType = NDJSON, schema = @Schema(type = SchemaType.STRING))})
    @APIResponse(responseCode = "201", description = "Queued", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = BatchJob.class)))
    @APIResponse(responseCode = "200", description = "The job an earlier call with this Idempotency-Key created",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = BatchJob.class)))
    public Response create(InputStream body, @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
            @Parameter(description = "A model of the tenant") @RestQuery String model,
            @Parameter(description = "original (default), recommended or a variant id") @RestQuery String variant,
            @Parameter(description = "csv, tsv or jsonl", schema = @Schema(enumeration = {"csv", "tsv", "jsonl"}))
            @RestQuery("format") String formatName,
            @Parameter(description = "The column (or JSON field) of the texts; default text") @RestQuery String textColumn,
            @Parameter(description = "A column whose values the output repeats as each row's id; without it, the row's"
                    + " number (from 1)") @RestQuery String idColumn,
            @HeaderParam("Idempotency-Key") String idempotencyKey) {
        DatasetFormat format = format(formatName, null).or(() -> DatasetFormat.fromMediaType(contentType))
                .orElseThrow(() -> new ProblemException(ProblemType.UNSUPPORTED_MEDIA_TYPE,
                        "Send text/csv, text/tab-separated-values or application/jsonl."));
        return created(batches.create(caller.tenantId(),
                new BatchService.CreateRequest(model, variant, format, null, textColumn, idColumn), body, idempotencyKey));
    }

    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Operation(operationId = "createBatch")
    @APIResponse(responseCode = "201", description = "Queued", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = BatchJob.class)))
    @APIResponse(responseCode = "200", description = "The job an earlier call with this Idempotency-Key created",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = BatchJob.class)))
    public Response createFromFile(@RestForm("file") @Schema(type = SchemaType.STRING, format = "binary") FileUpload file,
            @RestForm(FileUpload.ALL) @Schema(hidden = true) List<FileUpload> allFiles,
            @RestQuery String model, @RestQuery String variant,
            @Parameter(description = "csv, tsv or jsonl", schema = @Schema(enumeration = {"csv", "tsv", "jsonl"}))
            @RestQuery String format, @RestQuery String textColumn, @RestQuery String idColumn,
            @BeanParam FormFields fields, @HeaderParam("Idempotency-Key") String idempotencyKey) {
        // Form fields are accepted too (curl -F model=...); the query wins when both are given.
        model = Uploads.first(model, fields.model);
        variant = Uploads.first(variant, fields.variant);
        format = Uploads.first(format, fields.format);
        textColumn = Uploads.first(textColumn, fields.textColumn);
        idColumn = Uploads.first(idColumn, fields.idColumn);
        Uploads.single(file, allFiles, "the texts");
        DatasetFormat resolved = format(format, file).orElseThrow(() -> ProblemException.invalidField("/format",
                "Could not tell the format: name the file .csv, .tsv or .jsonl, or send format=csv|tsv|jsonl."));
        try (InputStream body = Files.newInputStream(file.uploadedFile())) {
            return created(batches.create(caller.tenantId(), new BatchService.CreateRequest(model, variant, resolved,
                    file.fileName(), textColumn, idColumn), body, idempotencyKey));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The batch settings as multipart form fields, for clients that prefer them to the query. */
    public static class FormFields {
        @RestForm
        @Schema(hidden = true)
        String model;

        @RestForm
        @Schema(hidden = true)
        String variant;

        @RestForm
        @Schema(hidden = true)
        String format;

        @RestForm
        @Schema(hidden = true)
        String textColumn;

        @RestForm
        @Schema(hidden = true)
        String idColumn;
    }

    @GET
    @Operation(operationId = "listBatches", summary = "List batches, newest first")
    public Page<BatchJob> list(@RestQuery Integer limit, @RestQuery String after) {
        return batches.list(caller.tenantId(), limit, after);
    }

    @GET
    @Path("/{id}")
    @Operation(operationId = "getBatch", summary = "Get a batch: status, rows done, progress, ETA, result or error")
    public BatchJob get(@RestPath String id) {
        return batches.get(caller.tenantId(), id);
    }

    @POST
    @Path("/{id}/cancel")
    @Operation(operationId = "cancelBatch", summary = "Cancel a batch; it stops within 32 rows and keeps no output")
    public BatchJob cancel(@RestPath String id) {
        return batches.cancel(caller.tenantId(), id);
    }

    @GET
    @Path("/{id}/events")
    @Operation(operationId = "listBatchEvents", summary = "A batch's events in order")
    public Page<JobEvent> events(@RestPath String id, @RestQuery Integer limit, @RestQuery String after) {
        return batches.events(caller.tenantId(), id, limit, after);
    }

    @GET
    @Path("/{id}/events/stream")
    @Blocking
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    @Operation(operationId = "streamBatchEvents", summary = "A batch's events as they happen (SSE), until it ends",
            description = EventStreams.DESCRIPTION)
    @APIResponse(responseCode = "200", description = EventStreams.RESPONSE,
            content = @Content(mediaType = MediaType.SERVER_SENT_EVENTS, schema = @Schema(type = SchemaType.STRING)))
    public Multi<OutboundSseEvent> stream(@RestPath String id,
            @HeaderParam(SseFrames.LAST_EVENT_ID) @Parameter(description = "The id of the last event a reconnecting"
                    + " client received: the stream starts after it") String lastEventId,
            @Context Sse sse) {
        return SseFrames.of(sse, batches.stream(caller.tenantId(), id, SseFrames.lastEventId(lastEventId)));
    }

    /** The same stream for clients that ask the events' own address for {@code text/event-stream}. */
    @GET
    @Path("/{id}/events")
    @Blocking
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    @Operation(hidden = true)
    public Multi<OutboundSseEvent> streamByAccept(@RestPath String id, @HeaderParam(SseFrames.LAST_EVENT_ID) String lastEventId,
            @Context Sse sse) {
        return stream(id, lastEventId, sse);
    }

    @GET
    @Path("/{id}/output")
    @Produces({JSONL, "text/csv", MediaType.APPLICATION_JSON})
    @Operation(operationId = "downloadBatchOutput", summary = "Download a batch's output (JSONL or CSV), whole or a byte range",
            description = "One row per input row, in the input's order: id, label, score, every label's score, and an"
                    + " error for a row that could not be predicted; for an embedding model, id, the vector (JSONL"
                    + " embedding, CSV one dim:N column per value) and the error. 409 until the batch has succeeded, 410 once its"
                    + " retention time is over. Range (one byte range) answers 206; If-None-Match with the ETag, 304.")
    @APIResponse(responseCode = "200", description = "The whole output", content = {
        @Content(mediaType = JSONL, schema = @Schema(type = SchemaType.STRING)),
        @Content(mediaType = "text/csv", schema = @Schema(type = SchemaType.STRING))})
    @APIResponse(responseCode = "206", description = "The range asked for", content = {
        @Content(mediaType = JSONL, schema = @Schema(type = SchemaType.STRING)),
        @Content(mediaType = "text/csv", schema = @Schema(type = SchemaType.STRING))})
    @APIResponse(responseCode = "304", description = "Not modified: If-None-Match names this output")
    public Response output(@RestPath String id,
            @Parameter(description = "jsonl (default) or csv", schema = @Schema(enumeration = {"jsonl", "csv"}))
            @RestQuery String format,
            @HeaderParam("Range") String range, @HeaderParam(HttpHeaders.IF_NONE_MATCH) String ifNoneMatch) {
        BatchService.Output output = batches.output(caller.tenantId(), id, format);
        return Download.of(output.sha256(), output.bytes(), output.mediaType(), output.fileName(), range, ifNoneMatch,
                (offset, length) -> batches.open(output, offset, length));
    }

    private static Response created(BatchService.Created created) {
        return Response.status(created.created() ? 201 : 200).entity(created.job()).build();
    }

    private static java.util.Optional<DatasetFormat> format(String name, FileUpload file) {
        if (name != null && !name.isBlank()) {
            return java.util.Optional.of(DatasetFormat.fromName(name).orElseThrow(() ->
                    ProblemException.invalidField("/format", "format must be csv, tsv or jsonl.")));
        }
        return file == null ? java.util.Optional.empty()
                : DatasetFormat.fromName(file.fileName()).or(() -> DatasetFormat.fromMediaType(file.contentType()));
    }
}
