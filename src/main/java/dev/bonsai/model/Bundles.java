package dev.bonsai.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.bonsai.blob.BlobStore;
import dev.bonsai.engine.BaseModel;
import dev.bonsai.engine.ClassifierRunner;
import dev.bonsai.engine.VocabularyPruning;
import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Self-describing bundles of a variant, built once on first download and kept in blob storage:
 * a zip of {@code model.onnx}, {@code tokenizer.json} (set up to truncate and pad as the model is
 * served), {@code labels.json}, {@code bonsai.json}, {@code parity.jsonl} (inputs with the
 * outputs this build of the model gives), {@code MODEL_CARD.md} and {@code SHA256SUMS}.
 */
@ApplicationScoped
public class Bundles {

    /** Largest difference a consumer should see from {@code parity.jsonl} with ONNX Runtime on x86-64 or ARM. */
    public static final double PARITY_TOLERANCE = 1e-4;
    private static final int PARITY_ROWS = 16;
    private static final List<String> FALLBACK_TEXTS = List.of("This is a short example sentence.",
            "Another input, with punctuation and numbers: 42!", "A third one.");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Inject
    BlobStore blobs;

    @Inject
    VariantGraphs graphs;

    @Inject
    AgroalDataSource dataSource;

    private final Map<String, Object> locks = new ConcurrentHashMap<>();

    /** The bundle's blob, building it first if needed; the caller has checked ownership. */
    public ModelService.Artifact bundle(String modelId, String variantId) throws IOException {
        synchronized (locks.computeIfAbsent(variantId, key -> new Object())) {
            try {
                Existing existing = QuarkusTransaction.requiringNew().call(() -> existing(variantId));
                if (existing.sha256() != null && blobs.exists(existing.sha256())) {
                    return new ModelService.Artifact(existing.sha256(), blobs.size(existing.sha256()),
                            modelId + "-" + variantId + ".zip");
                }
                String sha256 = build(existing.variant(), existing.model());
                QuarkusTransaction.requiringNew().run(() -> {
                    ModelVariantEntity variant = ModelVariantEntity.findById(variantId);
                    if (variant != null) {
                        variant.bundleSha256 = sha256;
                    }
                });
                return new ModelService.Artifact(sha256, blobs.size(sha256), modelId + "-" + variantId + ".zip");
            } finally {
                locks.remove(variantId);
            }
        }
    }

    private record Existing(String sha256, ModelVariantEntity variant, ModelEntity model) {
    }

    private static Existing existing(String variantId) {
        ModelVariantEntity variant = ModelVariantEntity.findById(variantId);
        ModelEntity model = ModelEntity.findById(variant.modelId);
        return new Existing(variant.bundleSha256, variant, model);
    }

    private String build(ModelVariantEntity variant, ModelEntity model) throws IOException {
        BaseModel baseModel = BaseModel.byId(model.baseModel).orElseThrow();
        byte[] graph;
        try (InputStream in = graphs.open(variant.sha256)) {
            graph = in.readAllBytes();
        }
        byte[] tokenizer;
        if (variant.tokenizerSha256 != null) {
            tokenizer = read(variant.tokenizerSha256);
        } else {
            try (InputStream in = Thread.currentThread().getContextClassLoader()
                    .getResourceAsStream(baseModel.tokenizerResource())) {
                tokenizer = in.readAllBytes();
            }
        }
        int maxLength = ModelService.maxSequenceLength(variant.provenance, baseModel);
        byte[] servingTokenizer = VocabularyPruning.servingTokenizer(tokenizer, maxLength);
        List<String> texts = parityTexts(model.datasetId);
        StringBuilder parity = new StringBuilder();
        try (ClassifierRunner runner = ClassifierRunner.open(graph, servingTokenizer, maxLength, 1)) {
            for (String text : texts) {
                ClassifierRunner.Output output = runner.run(List.of(text));
                float[] probabilities = output.probabilities()[0];
                int best = 0;
                for (int c = 1; c < probabilities.length; c++) {
                    best = probabilities[c] > probabilities[best] ? c : best;
                }
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("text", text);
                line.put("label", model.labels.get(best));
                line.put("probabilities", probabilities);
                parity.append(new ObjectMapper().writeValueAsString(line)).append('\n');
            }
        }
        Map<String, Object> description = new LinkedHashMap<>();
        description.put("format", "bonsai-bundle/1");
        description.put("model", model.id);
        description.put("variant", variant.id);
        description.put("recipe", variant.provenance == null ? "original"
                : String.valueOf(variant.provenance.getOrDefault("recipe", "original")));
        description.put("baseModel", baseModel.id());
        description.put("inputs", List.of(
                Map.of("name", "input_ids", "type", "int64", "shape", List.of("batch", "sequence")),
                Map.of("name", "attention_mask", "type", "int64", "shape", List.of("batch", "sequence")),
                Map.of("name", "token_type_ids", "type", "int64", "shape", List.of("batch", "sequence"))));
        description.put("outputs", List.of(
                Map.of("name", "probabilities", "type", "float32", "shape", List.of("batch", model.labels.size())),
                Map.of("name", "embedding", "type", "float32", "shape", List.of("batch", baseModel.dimensions()))));
        description.put("pooling", baseModel.pooling().name().toLowerCase() + ", then L2 normalisation (inside the graph)");
        description.put("maxSequenceLength", maxLength);
        description.put("tokenizer", "tokenizer.json (Hugging Face tokenizers format; truncation and padding set)");
        description.put("labels", model.labels);
        description.put("metrics", variant.metrics);
        if (variant.metrics != null && variant.metrics.containsKey("fits")) {
            Map<String, Object> device = new LinkedHashMap<>();
            for (String key : List.of("fits", "fitProblems", "status", "estimatedDeviceLatency", "hostLatency",
                    "peakMemoryBytes", "bytes")) {
                device.put(key, variant.metrics.get(key));
            }
            description.put("deviceReport", device);
        }
        description.put("parity", Map.of("file", "parity.jsonl", "rows", texts.size(), "tolerance", PARITY_TOLERANCE));
        description.put("provenance", variant.provenance);

        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("model.onnx", graph);
        files.put("tokenizer.json", servingTokenizer);
        files.put("labels.json", JSON.writeValueAsBytes(model.labels));
        files.put("bonsai.json", JSON.writeValueAsBytes(description));
        files.put("parity.jsonl", parity.toString().getBytes(StandardCharsets.UTF_8));
        files.put("MODEL_CARD.md", modelCard(model, variant, baseModel, maxLength).getBytes(StandardCharsets.UTF_8));
        StringBuilder sums = new StringBuilder();
        files.forEach((name, bytes) -> sums.append(sha256(bytes)).append("  ").append(name).append('\n'));
        files.put("SHA256SUMS", sums.toString().getBytes(StandardCharsets.UTF_8));

        Path file = Files.createTempFile(blobs.scratchDirectory(), "bundle", ".zip");
        MessageDigest digest = digest();
        try (OutputStream out = new DigestOutputStream(Files.newOutputStream(file), digest);
                ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Map.Entry<String, byte[]> entry : files.entrySet()) {
                ZipEntry zipEntry = new ZipEntry(entry.getKey());
                zipEntry.setTime(variant.createdAt.toInstant().toEpochMilli());
                zip.putNextEntry(zipEntry);
                zip.write(entry.getValue());
                zip.closeEntry();
            }
        }
        String sha256 = HexFormat.of().formatHex(digest.digest());
        blobs.putFile(sha256, file);
        return sha256;
    }

    @SuppressWarnings("unchecked")
    private static String modelCard(ModelEntity model, ModelVariantEntity variant, BaseModel baseModel, int maxLength) {
        StringBuilder card = new StringBuilder();
        card.append("# ").append(model.name).append(" — ").append(variant.kind.equals("original") ? "original"
                : variant.provenance.getOrDefault("recipe", variant.kind)).append("\n\n");
        card.append("A text classifier fine-tuned by Bonsai from ").append(baseModel.displayName()).append(" (")
                .append(baseModel.source()).append(", ").append(baseModel.licence()).append(").\n\n");
        card.append("- Labels: ").append(String.join(", ", model.labels)).append('\n');
        card.append("- Method: ").append(model.method).append("; dataset ").append(model.datasetId).append("; job ")
                .append(model.jobId).append('\n');
        card.append("- Input: one text, truncated to ").append(maxLength).append(" tokens by tokenizer.json\n\n");
        card.append("## Intended use\n\nClassifying texts like those of the training dataset into the labels above. It"
                + " has not been evaluated outside that domain; check it on your own data before relying on it.\n\n");
        card.append("## Metrics\n\n");
        Map<String, Object> metrics = variant.metrics == null ? Map.of() : variant.metrics;
        Object test = model.metrics.get("test");
        if (test != null) {
            card.append("Original model on the test split: ").append(summary(test)).append("\n\n");
        }
        if (metrics.containsKey("recipe")) {
            card.append("This variant (").append(metrics.get("recipe")).append("): accuracy ").append(metrics.get("accuracy"))
                    .append(" (").append(metrics.get("accuracyDelta")).append(" against the original), macro-F1 ")
                    .append(metrics.get("macroF1")).append(", ").append(metrics.get("bytes")).append(" bytes.\n\n");
            if (metrics.containsKey("fits")) {
                card.append("## Device report\n\n");
                card.append("- Fits the target device: ").append(metrics.get("fits")).append('\n');
                Object problems = metrics.get("fitProblems");
                if (problems instanceof List<?> list && !list.isEmpty()) {
                    card.append("- Why not: ").append(String.join("; ", (List<String>) list)).append('\n');
                }
                card.append("- Latency on the build host (one thread): ").append(metrics.get("hostLatency")).append('\n');
                card.append("- Estimated device latency: ").append(metrics.get("estimatedDeviceLatency")).append('\n');
                card.append("- Status: ").append(metrics.get("status")).append("\n\n");
            }
        }
        card.append("## Verifying\n\nRun `model.onnx` with ONNX Runtime on the ids `tokenizer.json` gives for each text"
                + " of `parity.jsonl`: the probabilities should match within ").append(PARITY_TOLERANCE)
                .append(". `SHA256SUMS` lists every file's checksum.\n");
        return card.toString();
    }

    @SuppressWarnings("unchecked")
    private static String summary(Object metrics) {
        if (metrics instanceof Map<?, ?> map) {
            return "accuracy " + map.get("accuracy") + ", macro-F1 " + map.get("macroF1");
        }
        try {
            Map<String, Object> map = new ObjectMapper().convertValue(metrics, Map.class);
            return "accuracy " + map.get("accuracy") + ", macro-F1 " + map.get("macroF1");
        } catch (IllegalArgumentException e) {
            return String.valueOf(metrics);
        }
    }

    /** Up to 16 texts of the dataset's test split (any split if it has none); generic sentences if it is gone. */
    private List<String> parityTexts(String datasetId) throws IOException {
        List<String> texts = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement query = connection.prepareStatement(
                        "select text from dataset_rows where dataset_id = ? order by (split = 2) desc, row_index limit ?")) {
            query.setString(1, datasetId);
            query.setInt(2, PARITY_ROWS);
            try (ResultSet result = query.executeQuery()) {
                while (result.next()) {
                    texts.add(result.getString(1));
                }
            }
        } catch (SQLException e) {
            throw new IOException("could not read parity texts", e);
        }
        return texts.isEmpty() ? FALLBACK_TEXTS : texts;
    }

    private byte[] read(String sha256) throws IOException {
        try (InputStream in = blobs.open(sha256)) {
            return in.readAllBytes();
        }
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }
}
