package dev.bonsai.finetune;

import dev.bonsai.job.EventStreams;
import dev.bonsai.job.JobEvent;
import dev.bonsai.job.SseFrames;
import dev.bonsai.platform.Page;
import dev.bonsai.tenant.Caller;
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
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;
import org.jboss.resteasy.reactive.RestStreamElementType;

@Produces(MediaType.APPLICATION_JSON)
@Path("/v1/fine-tuning/jobs")
@Tag(name = "Fine-tuning", description = "Jobs that turn a base model and a dataset into a personal model")
public class FineTuneJobResource {

    @Inject
    FineTuneJobService jobs;

    @Inject
    Caller caller;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "createFineTuningJob", summary = "Queue a fine-tuning job",
            description = "Everything checkable is checked first (422 with pointers otherwise). With an Idempotency-Key"
                    + " header, a retry answers 200 with the job the first call created.")
    @APIResponse(responseCode = "201", description = "Queued", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = FineTuneJob.class)))
    @APIResponse(responseCode = "200", description = "The job an earlier call with this Idempotency-Key created",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = FineTuneJob.class)))
    public Response create(FineTuneJobService.CreateRequest request,
            @HeaderParam("Idempotency-Key") String idempotencyKey) {
        FineTuneJobService.Created created = jobs.create(caller.tenantId(),
                request == null ? new FineTuneJobService.CreateRequest(null, null, null, null, null, null, null, null) : request,
                idempotencyKey);
        return Response.status(created.created() ? 201 : 200).entity(created.job()).build();
    }

    @GET
    @Operation(operationId = "listFineTuningJobs", summary = "List fine-tuning jobs, newest first")
    public Page<FineTuneJob> list(@RestQuery Integer limit, @RestQuery String after) {
        return jobs.list(caller.tenantId(), limit, after);
    }

    @GET
    @Path("/{id}")
    @Operation(operationId = "getFineTuningJob", summary = "Get a job: status, progress, queue position, ETA, result or error")
    public FineTuneJob get(@RestPath String id) {
        return jobs.get(caller.tenantId(), id);
    }

    @POST
    @Path("/{id}/cancel")
    @Operation(operationId = "cancelFineTuningJob", summary = "Cancel a job; training stops within one step")
    public FineTuneJob cancel(@RestPath String id) {
        return jobs.cancel(caller.tenantId(), id);
    }

    @GET
    @Path("/{id}/events")
    @Operation(operationId = "listFineTuningJobEvents", summary = "A job's events in order (per-epoch metrics and messages)")
    public Page<JobEvent> events(@RestPath String id, @RestQuery Integer limit, @RestQuery String after) {
        return jobs.events(caller.tenantId(), id, limit, after);
    }

    @GET
    @Path("/{id}/events/stream")
    @Blocking
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    @Operation(operationId = "streamFineTuningJobEvents", summary = "A job's events as they happen (SSE), until it ends",
            description = EventStreams.DESCRIPTION)
    @APIResponse(responseCode = "200", description = EventStreams.RESPONSE,
            content = @Content(mediaType = MediaType.SERVER_SENT_EVENTS, schema = @Schema(type = SchemaType.STRING)))
    public Multi<OutboundSseEvent> stream(@RestPath String id,
            @HeaderParam(SseFrames.LAST_EVENT_ID) @Parameter(description = "The id of the last event a reconnecting"
                    + " client received: the stream starts after it") String lastEventId,
            @Context Sse sse) {
        return SseFrames.of(sse, jobs.stream(caller.tenantId(), id, SseFrames.lastEventId(lastEventId)));
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
}
