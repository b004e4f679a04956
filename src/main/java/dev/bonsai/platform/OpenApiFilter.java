package dev.bonsai.platform;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.Components;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;

/**
 * Completes the generated document: every {@code /v1} operation takes the API key and may answer
 * with a problem+json error; creating operations answer 201 (and 200 only where it is declared);
 * and every member of an object the server answers with is required, because the server always
 * sends it (null where the schema allows null). Schemas that list their own required members (the
 * hand-written ones of {@code META-INF/openapi.yaml}, request bodies) keep them, and open objects
 * (additional properties allowed) require nothing.
 */
public class OpenApiFilter implements OASFilter {

    private static final String PROBLEM = "#/components/schemas/Problem";
    /** Marks a member that refers to another schema and may be null: {@code @Schema(ref = ..., extensions = ...)}. */
    public static final String NULLABLE = "x-bonsai-nullable";

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
                operation.setSecurity(List.of(OASFactory.createSecurityRequirement().addScheme("apiKey")));
                APIResponse ok = operation.getResponses().getAPIResponse("200");
                boolean generated = ok != null && (ok.getDescription() == null || ok.getDescription().equals("OK"));
                boolean creates = operation.getResponses().hasAPIResponse("201") || operation.getResponses().hasAPIResponse("204");
                if (generated && creates) {
                    operation.getResponses().removeAPIResponse("200");
                }
                // Errors are all described by the default problem+json answer.
                List.copyOf(operation.getResponses().getAPIResponses().keySet()).stream()
                        .filter(code -> code.startsWith("4") || code.startsWith("5"))
                        .forEach(code -> operation.getResponses().removeAPIResponse(code));
                operation.getResponses().addAPIResponse("default", OASFactory.createAPIResponse()
                        .description("An error, as RFC 9457 problem details")
                        .content(OASFactory.createContent().addMediaType(Problem.MEDIA_TYPE,
                                OASFactory.createMediaType().schema(OASFactory.createSchema().ref(PROBLEM)))));
            }
        });
        if (components.getSchemas() != null) {
            components.getSchemas().values().forEach(OpenApiFilter::tidy);
        }
        Set<String> answered = new TreeSet<>();
        openAPI.getPaths().getPathItems().values().forEach(item -> item.getOperations().values().forEach(operation ->
                operation.getResponses().getAPIResponses().values().stream()
                        .filter(response -> response.getContent() != null)
                        .flatMap(response -> response.getContent().getMediaTypes().values().stream())
                        .forEach(media -> reach(media.getSchema(), components, answered))));
        for (String name : answered) {
            Schema schema = components.getSchemas().get(name);
            boolean open = Boolean.TRUE.equals(schema.getAdditionalPropertiesBoolean());
            boolean ownList = schema.getRequired() != null && !schema.getRequired().isEmpty();
            if (schema.getProperties() != null && !open && !ownList) {
                schema.setRequired(new ArrayList<>(schema.getProperties().keySet()));
            }
        }
    }

    /**
     * A member that refers to another schema says nothing beside the reference (the generator adds
     * {@code type: object} to a string member documented by an enum); one marked {@value #NULLABLE}
     * becomes "that schema or null", which annotations cannot say of a reference.
     */
    private static void tidy(Schema schema) {
        if (schema.getProperties() == null) {
            return;
        }
        for (Schema property : schema.getProperties().values()) {
            if (property.getRef() == null) {
                tidy(property);
                continue;
            }
            property.setType(null);
            if (property.getExtensions() != null && property.getExtensions().containsKey(NULLABLE)) {
                property.removeExtension(NULLABLE);
                Schema reference = OASFactory.createSchema().ref(property.getRef());
                property.setRef(null);
                property.setAnyOf(List.of(reference, OASFactory.createSchema().addType(Schema.SchemaType.NULL)));
            }
        }
    }

    /** Adds the component schemas {@code schema} refers to, directly or through others, to {@code reached}. */
    private static void reach(Schema schema, Components components, Set<String> reached) {
        if (schema == null) {
            return;
        }
        if (schema.getRef() != null) {
            String name = schema.getRef().substring(schema.getRef().lastIndexOf('/') + 1);
            Schema target = components.getSchemas() == null ? null : components.getSchemas().get(name);
            if (target != null && reached.add(name)) {
                reach(target, components, reached);
            }
        }
        if (schema.getProperties() != null) {
            schema.getProperties().values().forEach(property -> reach(property, components, reached));
        }
        reach(schema.getItems(), components, reached);
        reach(schema.getAdditionalPropertiesSchema(), components, reached);
        for (List<Schema> alternatives : Arrays.asList(schema.getAnyOf(), schema.getOneOf(), schema.getAllOf())) {
            if (alternatives != null) {
                alternatives.forEach(alternative -> reach(alternative, components, reached));
            }
        }
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
