package dev.bonsai.model;

import dev.bonsai.platform.Page;
import dev.bonsai.tenant.Caller;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.InputStream;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.ResponseStatus;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;

@Produces(MediaType.APPLICATION_JSON)
@Path("/v1/models")
@Tag(name = "Models", description = "Fine-tuned models, their variants and downloads")
public class ModelResource {

    @Inject
    ModelService models;

    @Inject
    Caller caller;

    @GET
    @Operation(operationId = "listModels", summary = "List models, newest first")
    public Page<Model> list(@RestQuery Integer limit, @RestQuery String after) {
        return models.list(caller.tenantId(), limit, after);
    }

    @GET
    @Path("/{id}")
    @Operation(operationId = "getModel", summary = "Get a model with its lineage, metrics and variants")
    public Model get(@RestPath String id) {
        return models.get(caller.tenantId(), id);
    }

    @DELETE
    @Path("/{id}")
    @ResponseStatus(204)
    @APIResponse(responseCode = "204", description = "Deleted")
    @Operation(operationId = "deleteModel", summary = "Delete a model and its variants")
    public void delete(@RestPath String id) {
        models.delete(caller.tenantId(), id);
    }

    @GET
    @Path("/{id}/variants")
    @Operation(operationId = "listModelVariants", summary = "List a model's variants")
    public Page<Model.Variant> variants(@RestPath String id) {
        return new Page<>(models.listVariants(caller.tenantId(), id), false, null);
    }

    @GET
    @Path("/{id}/variants/{variantId}")
    @Operation(operationId = "getModelVariant", summary = "Get one variant")
    public Model.Variant variant(@RestPath String id, @RestPath String variantId) {
        return models.variant(caller.tenantId(), id, variantId);
    }

    @GET
    @Path("/{id}/variants/{variantId}/content")
    @Produces({"application/octet-stream", MediaType.APPLICATION_JSON})
    @Operation(operationId = "downloadModelVariant", summary = "Download a variant's ONNX graph")
    @APIResponse(responseCode = "200", description = "The ONNX file; ETag is its sha256",
            content = @Content(mediaType = "application/octet-stream",
                    schema = @Schema(type = org.eclipse.microprofile.openapi.annotations.enums.SchemaType.STRING, format = "binary")))
    public Response content(@RestPath String id, @RestPath String variantId, @RestQuery String format) {
        ModelService.Artifact artifact = models.artifact(caller.tenantId(), id, variantId, format);
        StreamingOutput body = output -> {
            try (InputStream in = models.open(artifact)) {
                in.transferTo(output);
            }
        };
        return Response.ok(body, "application/octet-stream")
                .header(HttpHeaders.CONTENT_LENGTH, artifact.bytes())
                .header(HttpHeaders.ETAG, "\"" + artifact.sha256() + "\"")
                .header("Content-Disposition", "attachment; filename=\"" + artifact.fileName() + "\"")
                .build();
    }
}
