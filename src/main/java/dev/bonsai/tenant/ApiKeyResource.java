package dev.bonsai.tenant;

import dev.bonsai.platform.Page;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.Path;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.ResponseStatus;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;

@Produces(MediaType.APPLICATION_JSON)
@Path("/v1/api-keys")
@Tag(name = "API keys", description = "The calling tenant's API keys")
public class ApiKeyResource {

    public record CreateApiKeyRequest(@Size(max = 200) String name) {
    }

    @Inject
    ApiKeyService keys;

    @Inject
    Caller caller;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @ResponseStatus(201)
    @APIResponse(responseCode = "201", description = "Created", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiKeyService.CreatedApiKey.class)))
    @Operation(operationId = "createApiKey", summary = "Create an API key (the secret is shown once)")
    public ApiKeyService.CreatedApiKey create(@Valid CreateApiKeyRequest request) {
        return keys.create(caller.tenantId(), request == null ? null : request.name());
    }

    @GET
    @Operation(operationId = "listApiKeys", summary = "List the tenant's API keys, newest first")
    public Page<ApiKeyService.ApiKey> list(@RestQuery Integer limit, @RestQuery String after) {
        return keys.list(caller.tenantId(), limit, after);
    }

    @DELETE
    @Path("/{id}")
    @Operation(operationId = "revokeApiKey", summary = "Revoke an API key; it stops working at once")
    public ApiKeyService.ApiKey revoke(@RestPath String id) {
        return keys.revoke(caller.tenantId(), id);
    }
}
