package dev.bonsai.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bonsai.support.NodeChecks;
import dev.bonsai.support.PackagedServer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API as another ecosystem's generated client sees it: TypeScript types generated from the
 * committed {@code openapi.yaml} by openapi-typescript, the walkthrough of {@code src/test/node}
 * written against them with openapi-fetch and no assertion the types do not make, compiled with
 * {@code tsc --strict}, and run against the packaged server with every answer validated by Ajv
 * against the document (strictly: an undeclared member, a missing required one, an undeclared
 * status or media type fails). A webhook of the walkthrough's batch is received by a server of its
 * own and verified by the Standard Webhooks reference library ({@code standardwebhooks}). The Java client of {@link GeneratedSdkTest} stays.
 */
class TypeScriptClientIT {

    private static final String ADMIN_KEY = "typescript-client-admin-key-0001";

    @TempDir
    Path work;

    @Test
    void aGeneratedTypeScriptClientDrivesTheWalkthroughWithinTheContract() throws Exception {
        Path home = NodeChecks.home();
        Path project = Path.of(System.getProperty("test.project.dir", ".")).toAbsolutePath();
        NodeChecks.node("generate-client.mjs", project.resolve("openapi.yaml").toString(),
                home.resolve("bonsai-api.d.ts").toString());
        NodeChecks.node("no-assertions.mjs", home.resolve("walkthrough.ts").toString());
        NodeChecks.run(home, List.of("node", home.resolve("node_modules/typescript/bin/tsc").toString(), "-p",
                home.resolve("tsconfig.json").toString()), 300);

        PackagedServer server = PackagedServer.start(Map.of("BONSAI_ADMIN_KEY", ADMIN_KEY,
                "BONSAI_PG_DIR", work.resolve("pg").toString(), "BONSAI_BLOB_DIR", work.resolve("blobs").toString(),
                "BONSAI_WEBHOOKS_ALLOW_PRIVATE_TARGETS", "true", "BONSAI_WEBHOOKS_KEY_FILE", work.resolve("webhook.key").toString()),
                work.resolve("server.log"));
        try {
            String output = NodeChecks.node("build/walkthrough.js", server.baseUrl(), ADMIN_KEY,
                    project.resolve("openapi.yaml").toString(), project.resolve("examples/reviews.csv").toString());
            JsonNode summary = new ObjectMapper().readTree(output);
            assertEquals(0, summary.get("failures").size(), summary.toPrettyString());
            List<String> checked = new ObjectMapper().convertValue(summary.get("answersChecked"),
                    new TypeReference<List<String>>() { });
            for (String answer : List.of("POST /v1/fine-tuning/jobs 200", "POST /v1/fine-tuning/jobs 201",
                    "GET /v1/models/{id}/variants/{variantId}/content 304",
                    "GET /v1/models/{id}/variants/{variantId}/content 206",
                    "GET /v1/fine-tuning/jobs/{id}/events/stream 200", "GET /v1/compression/jobs/{id} 200",
                    "POST /v1/batches 201", "GET /v1/batches/{id}/output 200", "GET /v1/batches/{id}/output 206",
                    "GET /v1/batches/{id}/events/stream 200", "POST /v1/webhook-endpoints 201",
                    "GET /v1/webhook-endpoints/{id}/deliveries 200", "POST /v1/models/{id}/embeddings 200")) {
                assertTrue(checked.contains(answer), answer + " was checked: " + checked);
            }
        } finally {
            server.stop();
        }
    }
}
