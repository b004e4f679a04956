package dev.bonsai.model;

import ai.onnxruntime.OrtEnvironment;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.bonsai.blob.BlobStore;
import dev.bonsai.dataset.DatasetTexts;
import dev.bonsai.dataset.Split;
import dev.bonsai.engine.BaseModel;
import dev.bonsai.engine.compress.VocabularyPruning;
import dev.bonsai.engine.runtime.ClassifierRunner;
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
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.jboss.logging.Logger;

/**
 * Self-describing bundles of a variant, built once on first download and kept in blob storage:
 * a zip of {@code model.onnx}, {@code tokenizer.json} (set up to truncate and pad as the model is
 * served) with the {@code tokenizer_config.json} and {@code special_tokens_map.json} Hugging Face's
 * loaders read, {@code labels.json} (a classifier's), {@code bonsai.json}, {@code parity.jsonl} (texts
 * with the ids and outputs the server gives, and the tolerance each runtime holds to), {@code MODEL_CARD.md}
 * (with code to run it in Python, the browser and Java) and {@code SHA256SUMS}.
 */
@ApplicationScoped
public class Bundles {

    /** Largest difference in a probability from {@code parity.jsonl} on the runtime that wrote it, and on any for float graphs. */
    /** The layout of {@code bonsai.json} and the files beside it. */
    static final String FORMAT = "bonsai-bundle/2";
    static final double SAME_RUNTIME_TOLERANCE = 1e-5;
    /** The same for int8 graphs on another runtime (chosen on validation texts; see {@link #tolerances}). */
    static final double INT8_OTHER_RUNTIME_TOLERANCE = 0.1;
    private static final Map<String, Object> SPECIAL_TOKENS = specialTokens();
    private static final int PARITY_ROWS = 16;
    private static final List<String> FALLBACK_TEXTS = List.of("This is a short example sentence.",
            "Another input, with punctuation and numbers: 42!", "A third one.");
    private static final Logger LOG = Logger.getLogger(Bundles.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Inject
    BlobStore blobs;

    @Inject
    VariantGraphs graphs;

    @Inject
    DatasetTexts datasetTexts;

    private final Map<String, Object> locks = new ConcurrentHashMap<>();

    /** The bundle's blob, building it first if needed; the caller has checked ownership. */
    public ModelService.Artifact bundle(String modelId, String variantId) throws IOException {
        synchronized (locks.computeIfAbsent(variantId, key -> new Object())) {
            try {
                Existing existing = QuarkusTransaction.requiringNew().call(() -> existing(variantId));
                if (existing.sha256() != null && FORMAT.equals(existing.variant().bundleFormat)
                        && blobs.exists(existing.sha256())) {
                    return new ModelService.Artifact(existing.sha256(), blobs.size(existing.sha256()),
                            modelId + "-" + variantId + ".zip");
                }
                String sha256 = build(existing.variant(), existing.model());
                QuarkusTransaction.requiringNew().run(() -> {
                    ModelVariantEntity variant = ModelVariantEntity.findById(variantId);
                    if (variant != null) {
                        variant.bundleSha256 = sha256;
                        variant.bundleFormat = FORMAT;
                    }
                });
                String previous = existing.sha256();
                if (previous != null && !previous.equals(sha256) && QuarkusTransaction.requiringNew().call(
                        () -> ModelVariantEntity.count("bundleSha256", previous) == 0) && blobs.exists(previous)) {
                    try {
                        blobs.delete(previous);
                    } catch (IOException e) {
                        LOG.warnf("The previous bundle %s of %s could not be removed: %s", previous, variantId, e.getMessage());
                    }
                }
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
        boolean embeds = "embedding".equals(model.task);
        List<ParityRow> parityRows = parityRows(graph, servingTokenizer, maxLength, model.labels,
                parityTexts(model.tenantId, model.datasetId), embeds);
        StringBuilder parity = new StringBuilder();
        for (ParityRow row : parityRows) {
            parity.append(new ObjectMapper().writeValueAsString(row)).append('\n');
        }
        boolean int8 = variant.provenance != null
                && String.valueOf(variant.provenance.getOrDefault("recipe", "")).contains("int8");
        Map<String, Object> description = new LinkedHashMap<>();
        description.put("format", FORMAT);
        description.put("model", model.id);
        description.put("variant", variant.id);
        description.put("recipe", variant.provenance == null ? "original"
                : String.valueOf(variant.provenance.getOrDefault("recipe", "original")));
        description.put("task", embeds ? "embedding" : "classification");
        description.put("baseModel", baseModel.id());
        description.put("inputs", List.of(
                Map.of("name", "input_ids", "type", "int64", "shape", List.of("batch", "sequence")),
                Map.of("name", "attention_mask", "type", "int64", "shape", List.of("batch", "sequence")),
                Map.of("name", "token_type_ids", "type", "int64", "shape", List.of("batch", "sequence"))));
        Map<String, Object> embedding = Map.of("name", "embedding", "type", "float32", "shape",
                List.of("batch", baseModel.dimensions()));
        description.put("outputs", embeds ? List.of(embedding) : List.of(
                Map.of("name", "probabilities", "type", "float32", "shape", List.of("batch", model.labels.size())),
                embedding));
        description.put("pooling", baseModel.pooling().name().toLowerCase() + ", then L2 normalisation (inside the graph)");
        description.put("maxSequenceLength", maxLength);
        description.put("tokenizer", "tokenizer.json (Hugging Face tokenizers format; truncation and padding set),"
                + " with tokenizer_config.json and special_tokens_map.json for Hugging Face's AutoTokenizer");
        description.put("labels", model.labels);
        description.put("metrics", variant.metrics);
        if (variant.metrics != null && variant.metrics.containsKey("fits")) {
            Map<String, Object> device = new LinkedHashMap<>();
            for (String key : List.of("fits", "fitProblems", "status", "deviceLatency", "hostLatency",
                    "peakMemoryBytes", "bytes")) {
                device.put(key, variant.metrics.get(key));
            }
            description.put("deviceReport", device);
        }
        Map<String, Object> parityDescription = new LinkedHashMap<>();
        parityDescription.put("file", "parity.jsonl");
        parityDescription.put("rows", parityRows.size());
        parityDescription.put("columns", "text; inputIds, the ids Bonsai gives the graph (truncated, special tokens"
                + " included); " + (embeds ? "embedding, the L2-normalised vector" : "label; probabilities")
                + ", as Bonsai computes them");
        parityDescription.put("tolerances", tolerances(int8));
        description.put("parity", parityDescription);
        description.put("provenance", variant.provenance);

        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("model.onnx", graph);
        files.put("tokenizer.json", servingTokenizer);
        files.put("tokenizer_config.json", JSON.writeValueAsBytes(tokenizerConfig(servingTokenizer, maxLength)));
        files.put("special_tokens_map.json", JSON.writeValueAsBytes(SPECIAL_TOKENS));
        if (!embeds) {
            files.put("labels.json", JSON.writeValueAsBytes(model.labels));
        }
        files.put("bonsai.json", JSON.writeValueAsBytes(description));
        files.put("parity.jsonl", parity.toString().getBytes(StandardCharsets.UTF_8));
        String card = embeds ? ModelCard.writeEmbedder(model, variant, baseModel, maxLength, parityRows, tolerances(int8))
                : ModelCard.write(model, variant, baseModel, maxLength, parityRows, tolerances(int8));
        files.put("MODEL_CARD.md", card.getBytes(StandardCharsets.UTF_8));
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

    /**
     * One line of {@code parity.jsonl}: a classifier's rows have the label and probabilities, an
     * embedding model's the vector.
     */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    record ParityRow(String text, long[] inputIds, String label, float[] probabilities, float[] embedding) {
    }

    /**
     * The server's ids and outputs for each text, one text at a time, then one text longer than
     * {@code maxLength} tokens (the texts joined) so that a consumer's truncation is checked too.
     */
    private static List<ParityRow> parityRows(byte[] graph, byte[] servingTokenizer, int maxLength, List<String> labels,
            List<String> texts, boolean embeds) {
        List<ParityRow> rows = new ArrayList<>();
        try (ClassifierRunner runner = ClassifierRunner.open(graph, servingTokenizer, maxLength, 1)) {
            List<String> all = new ArrayList<>(texts);
            // Texts joined until the (truncated) ids reach maxLength, then one more so that some are cut.
            StringBuilder longText = new StringBuilder();
            int joined = 0;
            while (runner.ids(longText.toString()).length < maxLength && joined < 64 * texts.size()) {
                longText.append(joined == 0 ? "" : " ").append(texts.get(joined++ % texts.size()));
            }
            all.add(longText.append(' ').append(texts.get(joined % texts.size())).toString());
            for (String text : all) {
                ClassifierRunner.Output output = runner.run(List.of(text));
                if (embeds) {
                    rows.add(new ParityRow(text, runner.ids(text), null, null, output.embeddings()[0]));
                    continue;
                }
                float[] probabilities = output.probabilities()[0];
                int best = 0;
                for (int c = 1; c < probabilities.length; c++) {
                    best = probabilities[c] > probabilities[best] ? c : best;
                }
                rows.add(new ParityRow(text, runner.ids(text), labels.get(best), probabilities, null));
            }
        }
        return rows;
    }

    /**
     * The largest difference in any probability a consumer should see from {@code parity.jsonl}: on the
     * runtime that wrote it, and on any other. Graphs in float arithmetic agree across runtimes to rounding
     * (measured at most 6.3e-7 on 1,000 texts with onnxruntime-node and onnxruntime-web 1.30). int8 graphs
     * round every activation to 8 bits, and a runtime that fuses or orders its float work differently rounds
     * some values the other way: measured on 1,000 texts the int8 variants moved by at most 0.074 (mean
     * 0.002), and a label near the decision boundary can change (benchmarks/RESULTS.md, "Bundles in other runtimes").
     */
    static List<Map<String, Object>> tolerances(boolean int8) {
        Map<String, Object> same = new LinkedHashMap<>();
        same.put("runtime", "ONNX Runtime " + OrtEnvironment.getEnvironment().getVersion() + " (Java) on "
                + System.getProperty("os.arch") + ", which wrote parity.jsonl");
        same.put("maxDifference", SAME_RUNTIME_TOLERANCE);
        Map<String, Object> other = new LinkedHashMap<>();
        other.put("runtime", "any other ONNX Runtime build, version or CPU (checked with onnxruntime-node 1.30.0 and"
                + " onnxruntime-web 1.30.0 on WebAssembly)");
        other.put("maxDifference", int8 ? INT8_OTHER_RUNTIME_TOLERANCE : SAME_RUNTIME_TOLERANCE);
        if (int8) {
            other.put("note", "int8 activations are rounded at run time, and runtimes round some of them differently:"
                    + " most probabilities agree to about 0.002, and a text close to the decision boundary can"
                    + " change label.");
        }
        return List.of(same, other);
    }

    /** What Hugging Face's AutoTokenizer (transformers, transformers.js) reads beside tokenizer.json. */
    private static Map<String, Object> tokenizerConfig(byte[] servingTokenizer, int maxLength) throws IOException {
        JsonNode normalizer = JSON.readTree(servingTokenizer).path("normalizer");
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("tokenizer_class", "BertTokenizer");
        config.put("do_lower_case", normalizer.path("lowercase").asBoolean(true));
        config.put("tokenize_chinese_chars", normalizer.path("handle_chinese_chars").asBoolean(true));
        config.put("strip_accents", normalizer.path("strip_accents").isBoolean()
                ? normalizer.path("strip_accents").asBoolean() : null);
        config.put("model_max_length", maxLength);
        config.put("padding_side", "right");
        config.put("truncation_side", "right");
        config.put("clean_up_tokenization_spaces", true);
        config.putAll(SPECIAL_TOKENS);
        return config;
    }

    /** Up to 16 texts of the dataset's test split (any split if it has none); generic sentences if it is gone. */
    private List<String> parityTexts(String tenantId, String datasetId) throws IOException {
        try {
            List<String> texts = datasetTexts.sample(tenantId, datasetId, Split.TEST, PARITY_ROWS);
            return texts.isEmpty() ? FALLBACK_TEXTS : texts;
        } catch (SQLException e) {
            throw new IOException("could not read parity texts", e);
        }
    }

    private static Map<String, Object> specialTokens() {
        Map<String, Object> tokens = new LinkedHashMap<>();
        tokens.put("unk_token", "[UNK]");
        tokens.put("sep_token", "[SEP]");
        tokens.put("pad_token", "[PAD]");
        tokens.put("cls_token", "[CLS]");
        tokens.put("mask_token", "[MASK]");
        return java.util.Collections.unmodifiableMap(tokens);
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
