package dev.bonsai.tenant;

import dev.bonsai.platform.Page;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
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
@Path("/v1/tenants")
@AdminOnly
@Tag(name = "Tenants", description = "Tenant administration (admin key)")
public class TenantResource {

    public record CreateTenantRequest(@NotBlank @Size(max = 200) String name) {
    }

    @Inject
    TenantService tenants;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @ResponseStatus(201)
    @APIResponse(responseCode = "201", description = "Created", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = TenantService.CreatedTenant.class)))
    @Operation(operationId = "createTenant", summary = "Create a tenant and its first API key (the secret is shown once)")
    public TenantService.CreatedTenant create(@NotNull @Valid CreateTenantRequest request) {
        return tenants.create(request.name());
    }

    @GET
    @Operation(operationId = "listTenants", summary = "List tenants, newest first")
    public Page<TenantService.Tenant> list(@RestQuery Integer limit, @RestQuery String after) {
        return tenants.list(limit, after);
    }

    /** The body of {@code PATCH /v1/tenants/{id}}. */
    public record UpdateTenantRequest(
            @Schema(description = "The tenant's own prediction rate limit; null returns it to the service default",
                    nullable = true)
            @Valid TenantService.RateLimit predictionRateLimit) {
    }

    @PATCH
    @Path("/{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "updateTenant", summary = "Change a tenant's settings (its prediction rate limit)")
    public TenantService.Tenant update(@RestPath String id, @NotNull @Valid UpdateTenantRequest request) {
        return tenants.setPredictionRateLimit(id, request.predictionRateLimit());
    }

    @GET
    @Path("/{id}")
    @Operation(operationId = "getTenant", summary = "Get a tenant")
    public TenantService.Tenant get(@RestPath String id) {
        return tenants.get(id);
    }
}
