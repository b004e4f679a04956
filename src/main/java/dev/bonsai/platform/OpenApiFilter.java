package dev.bonsai.platform;

import java.util.Map;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.Components;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Schema;

/**
 * Completes the generated document: every {@code /v1} operation takes the API key and may answer
 * with a problem+json error; creating operations answer 201 only.
 */
public class OpenApiFilter implements OASFilter {

    private static final String PROBLEM = "#/components/schemas/Problem";

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        Components components = openAPI.getComponents() == null ? OASFactory.createComponents() : openAPI.getComponents();
        openAPI.setComponents(components);
        components.addSchema("Problem", problemSchema());
        if (openAPI.getPaths() == null) {
            return;
        }
        openAPI.getPaths().getPathItems().forEach((path, item) -> {
            if (!path.startsWith("/v1/")) {
                return;
            }
            for (Map.Entry<PathItem.HttpMethod, Operation> entry : item.getOperations().entrySet()) {
                Operation operation = entry.getValue();
                operation.setSecurity(java.util.List.of(OASFactory.createSecurityRequirement().addScheme("apiKey")));
                if (operation.getResponses().hasAPIResponse("201") || operation.getResponses().hasAPIResponse("204")) {
                    operation.getResponses().removeAPIResponse("200");
                }
                // Errors are all described by the default problem+json answer.
                java.util.List.copyOf(operation.getResponses().getAPIResponses().keySet()).stream()
                        .filter(code -> code.startsWith("4") || code.startsWith("5"))
                        .forEach(code -> operation.getResponses().removeAPIResponse(code));
                operation.getResponses().addAPIResponse("default", OASFactory.createAPIResponse()
                        .description("An error, as RFC 9457 problem details")
                        .content(OASFactory.createContent().addMediaType(Problem.MEDIA_TYPE,
                                OASFactory.createMediaType().schema(OASFactory.createSchema().ref(PROBLEM)))));
            }
        });
    }

    private static Schema problemSchema() {
        Schema fieldError = OASFactory.createSchema().addType(Schema.SchemaType.OBJECT)
                .addProperty("pointer", string("JSON Pointer to the offending input"))
                .addProperty("detail", string("What is wrong with it"));
        return OASFactory.createSchema().addType(Schema.SchemaType.OBJECT)
                .description("RFC 9457 problem details; extra members depend on the code (a rejected upload carries 'dataset').")
                .addProperty("type", string("URI reference naming the problem type"))
                .addProperty("title", string("Short summary of the problem type"))
                .addProperty("status", OASFactory.createSchema().addType(Schema.SchemaType.INTEGER))
                .addProperty("detail", string("What happened, for people"))
                .addProperty("code", string("Stable machine-readable code"))
                .addProperty("errors", OASFactory.createSchema().addType(Schema.SchemaType.ARRAY).items(fieldError))
                .additionalPropertiesBoolean(Boolean.TRUE)
                .addRequired("type").addRequired("title").addRequired("status").addRequired("code");
    }

    private static Schema string(String description) {
        return OASFactory.createSchema().addType(Schema.SchemaType.STRING).description(description);
    }
}
