package dev.bonsai.basemodel;

import dev.bonsai.platform.Page;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Produces(MediaType.APPLICATION_JSON)
@Path("/v1/base-models")
@Tag(name = "Catalogues", description = "Shared base models and target devices")
public class BaseModelResource {

    @Inject
    BaseModelCatalog catalog;

    @GET
    @Operation(operationId = "listBaseModels", summary = "List the base models that can be fine-tuned")
    public Page<BaseModelCatalog.BaseModelView> list() {
        return new Page<>(catalog.list(), false, null);
    }
}
