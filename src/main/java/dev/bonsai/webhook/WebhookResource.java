package dev.bonsai.webhook;

import dev.bonsai.platform.Page;
import dev.bonsai.tenant.Caller;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.ResponseStatus;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;

@Produces(MediaType.APPLICATION_JSON)
@Path("/v1/webhook-endpoints")
@Tag(name = "Webhooks", description = "Endpoints told when a job ends, with deliveries signed as Standard Webhooks"
        + " specifies (webhook-id, webhook-timestamp, webhook-signature: HMAC-SHA256) and retried for a day")
public class WebhookResource {

    private static final String EVENTS = "Event types to send; all of them when left out: fine_tuning.job.*,"
            + " compression.job.* and batch.*, each .succeeded, .failed and .cancelled";

    public record CreateWebhookEndpointRequest(
            @Schema(description = "Where events are POSTed: an absolute https (or http) URL on a public address",
                    maxLength = WebhookTargets.MAX_URL_LENGTH)
            @NotNull String url,
            @Schema(description = EVENTS, nullable = true) @Size(max = 50) List<String> events,
            @Schema(nullable = true, maxLength = WebhookService.MAX_DESCRIPTION) String description,
            @Schema(nullable = true, description = "Whether events are sent to it; true when left out") Boolean enabled) {
    }

    /** Fields left out (or null) stay as they are. */
    public record UpdateWebhookEndpointRequest(
            @Schema(nullable = true, maxLength = WebhookTargets.MAX_URL_LENGTH) String url,
            @Schema(description = EVENTS, nullable = true) @Size(max = 50) List<String> events,
            @Schema(nullable = true, description = "An empty string removes it") String description,
            @Schema(nullable = true, description = "true enables it again (clearing its failures; deliveries that"
                    + " waited are tried at once), false stops deliveries to it") Boolean enabled) {
    }

    public record WebhookEventTypes(List<String> data) {
    }

    @Inject
    WebhookService webhooks;

    @Inject
    Caller caller;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @ResponseStatus(201)
    @APIResponse(responseCode = "201", description = "Created", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = WebhookService.CreatedWebhookEndpoint.class)))
    @Operation(operationId = "createWebhookEndpoint", summary = "Create a webhook endpoint (its signing secret is shown once)")
    public WebhookService.CreatedWebhookEndpoint create(@NotNull @Valid CreateWebhookEndpointRequest request) {
        return webhooks.create(caller.tenantId(), request.url(), request.events(), request.description(), request.enabled());
    }

    @GET
    @Operation(operationId = "listWebhookEndpoints", summary = "List the tenant's webhook endpoints, newest first")
    public Page<WebhookService.WebhookEndpoint> list(@RestQuery Integer limit, @RestQuery String after) {
        return webhooks.list(caller.tenantId(), limit, after);
    }

    @GET
    @Path("/event-types")
    @Operation(operationId = "listWebhookEventTypes", summary = "List the event types an endpoint can be sent")
    public WebhookEventTypes eventTypes() {
        return new WebhookEventTypes(webhooks.eventTypes());
    }

    @GET
    @Path("/{id}")
    @Operation(operationId = "getWebhookEndpoint", summary = "Get a webhook endpoint")
    public WebhookService.WebhookEndpoint get(@RestPath String id) {
        return webhooks.get(caller.tenantId(), id);
    }

    @PATCH
    @Path("/{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "updateWebhookEndpoint", summary = "Change a webhook endpoint, or enable it again")
    public WebhookService.WebhookEndpoint update(@RestPath String id, @NotNull @Valid UpdateWebhookEndpointRequest request) {
        return webhooks.update(caller.tenantId(), id, request.url(), request.events(), request.description(),
                request.enabled());
    }

    @POST
    @Path("/{id}/rotate-secret")
    @Operation(operationId = "rotateWebhookSecret", summary = "Give an endpoint a new signing secret (shown once); for"
            + " 24 hours deliveries are signed with the previous one too")
    public WebhookService.CreatedWebhookEndpoint rotateSecret(@RestPath String id) {
        return webhooks.rotateSecret(caller.tenantId(), id);
    }

    @DELETE
    @Path("/{id}")
    @ResponseStatus(204)
    @APIResponse(responseCode = "204", description = "Deleted")
    @Operation(operationId = "deleteWebhookEndpoint", summary = "Delete a webhook endpoint and its delivery log")
    public void delete(@RestPath String id) {
        webhooks.delete(caller.tenantId(), id);
    }

    @GET
    @Path("/{id}/deliveries")
    @Operation(operationId = "listWebhookDeliveries", summary = "List an endpoint's deliveries, newest first, with how"
            + " the last attempt of each went")
    public Page<WebhookService.WebhookDelivery> deliveries(@RestPath String id, @RestQuery Integer limit, @RestQuery String after) {
        return webhooks.deliveries(caller.tenantId(), id, limit, after);
    }
}
