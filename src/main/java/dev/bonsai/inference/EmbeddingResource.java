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
@Path("/v1/models/{id}/embeddings")
@Tag(name = "Predictions", description = "Invoke a model over HTTP")
public class EmbeddingResource {

    @Inject
    PredictionService predictions;

    @Inject
    Caller caller;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "createEmbeddings", summary = "Embed 1 to 256 texts with a model",
            description = "Request and answer are shaped as OpenAI's embeddings API: input is a text or a list of texts,"
                    + " each answered by its L2-normalised vector (data[].embedding, in input order), and usage counts the"
                    + " tokens read. An embedding model's vectors are what it was trained to rank by cosine similarity;"
                    + " a classifier's are the pooled embedding its head reads. variant: a variant id, \"original\" or"
                    + " \"recommended\".")
    public PredictionService.Embeddings embed(@RestPath String id, PredictionService.EmbeddingsRequest request) {
        return predictions.embed(caller.tenantId(), id, request);
    }
}
