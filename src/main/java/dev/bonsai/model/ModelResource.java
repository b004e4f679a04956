package dev.bonsai.model;

import dev.bonsai.platform.Page;
import dev.bonsai.tenant.Caller;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
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

    @Inject
    Downloads downloads;

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
    @Produces({"application/octet-stream", "application/zip", MediaType.APPLICATION_JSON})
    @Operation(operationId = "downloadModelVariant", summary = "Download a variant: its ONNX graph or a bundle",
            description = "format=onnx (default) streams the graph; format=bundle a zip with model.onnx, tokenizer.json,"
                    + " tokenizer_config.json, special_tokens_map.json, labels.json, bonsai.json, parity.jsonl,"
                    + " MODEL_CARD.md and SHA256SUMS (built on the first request)."
                    + " ETag is the content's sha256. A single byte range (Range: bytes=a-b) is answered with 206.")
    @APIResponse(responseCode = "200", description = "The file; ETag is its sha256",
            headers = @Header(name = "ETag", description = "The content's sha256, quoted", schema = @Schema(type = SchemaType.STRING)),
            content = {@Content(mediaType = "application/octet-stream",
                    schema = @Schema(type = SchemaType.STRING, format = "binary")),
                @Content(mediaType = "application/zip",
                    schema = @Schema(type = SchemaType.STRING, format = "binary"))})
    @APIResponse(responseCode = "206", description = "The requested byte range",
            content = @Content(mediaType = "application/octet-stream",
                    schema = @Schema(type = SchemaType.STRING, format = "binary")))
    @APIResponse(responseCode = "304", description = "Not modified: If-None-Match names the current ETag")
    public Response content(@RestPath String id, @RestPath String variantId,
            @Parameter(description = "onnx (the default) or bundle",
                    schema = @Schema(enumeration = {"onnx", "bundle"}, defaultValue = "onnx")) @RestQuery String format,
            @HeaderParam("Range") String range, @HeaderParam("If-None-Match") String ifNoneMatch) throws IOException {
        return downloads.serve(caller.tenantId(), id, variantId, format, range, ifNoneMatch);
    }
}
