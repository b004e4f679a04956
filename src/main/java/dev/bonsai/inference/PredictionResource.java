package dev.bonsai.inference;

import dev.bonsai.tenant.Caller;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestPath;

@Produces(MediaType.APPLICATION_JSON)
@Path("/v1/models/{id}/predictions")
@Tag(name = "Predictions", description = "Invoke a model over HTTP")
public class PredictionResource {

    @Inject
    PredictionService predictions;

    @Inject
    Caller caller;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "createPredictions", summary = "Classify 1 to 256 texts with a model",
            description = "variant: a variant id, \"original\" or \"recommended\" (the original until a compression job"
                    + " recommends another). topK: how many labels to list per input (default: all).")
    public PredictionService.Predictions predict(@RestPath String id, PredictionService.PredictRequest request) {
        return predictions.predict(caller.tenantId(), id, request);
    }
}
