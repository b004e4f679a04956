package dev.bonsai.model;

import dev.bonsai.blob.BlobStore;
import dev.bonsai.engine.BaseModel;
import dev.bonsai.engine.graph.ClassifierExport;
import dev.bonsai.engine.train.SoftmaxHead;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The ONNX graphs of variants. A head-method model's original graph is the unchanged base encoder
 * plus a head of a few KB, so storing one per model would cost about 90 MB a tenant; only its head
 * is stored, and the graph is made again from the base model, the head, the labels and the
 * provenance the first time something reads it (a download, a bundle, a compression job), then kept
 * in blob storage. The export is deterministic, and the bytes are checked against the sha256 the
 * variant has carried since it was made.
 */
@ApplicationScoped
public class VariantGraphs {

    @Inject
    BlobStore blobs;

    /**
     * A fine-tuned model's graph: {@code encoder} with {@code head}, labels and provenance (in a
     * fixed, sorted order, so that the same parts always give the same bytes).
     */
    public static byte[] export(byte[] encoder, BaseModel model, SoftmaxHead head, List<String> labels,
            Map<String, ?> provenance) {
        Map<String, String> metadata = new TreeMap<>();
        provenance.forEach((key, value) -> metadata.put(key, String.valueOf(value)));
        return ClassifierExport.export(encoder, model, head, labels, metadata);
    }

    /** Graphs being made on this server, so that concurrent first reads make each one once. */
    private final ConcurrentHashMap<String, Object> making = new ConcurrentHashMap<>();

    /** Opens the graph of the variant whose sha256 this is, making it first if it is not stored yet. */
    public InputStream open(String sha256) throws IOException {
        ensureStored(sha256);
        return blobs.open(sha256);
    }

    /** As {@link #open(String)}, {@code length} bytes from {@code offset} on. */
    public InputStream open(String sha256, long offset, long length) throws IOException {
        ensureStored(sha256);
        return blobs.open(sha256, offset, length);
    }

    private void ensureStored(String sha256) throws IOException {
        if (!blobs.exists(sha256)) {
            Object lock = making.computeIfAbsent(sha256, key -> new Object());
            try {
                synchronized (lock) {
                    if (!blobs.exists(sha256)) {
                        materialize(sha256);
                    }
                }
            } finally {
                making.remove(sha256, lock);
            }
        }
    }

    private record Parts(String baseModel, String headSha256, List<String> labels, Map<String, Object> provenance) {
    }

    private void materialize(String sha256) throws IOException {
        Parts parts = QuarkusTransaction.requiringNew().call(() -> {
            ModelVariantEntity variant = ModelVariantEntity.<ModelVariantEntity>find("sha256 = ?1 and headSha256 is not null",
                    sha256).firstResult();
            if (variant == null) {
                return null;
            }
            ModelEntity model = ModelEntity.findById(variant.modelId);
            return model == null ? null : new Parts(model.baseModel, variant.headSha256, model.labels, variant.provenance);
        });
        if (parts == null) {
            throw new java.io.FileNotFoundException("no artifact " + sha256);
        }
        BaseModel model = BaseModel.byId(parts.baseModel())
                .orElseThrow(() -> new IOException("unknown base model " + parts.baseModel()));
        SoftmaxHead head;
        try (InputStream in = blobs.open(parts.headSha256())) {
            head = SoftmaxHead.fromBytes(in.readAllBytes());
        }
        byte[] graph = export(model.readGraph(), model, head, parts.labels(), parts.provenance());
        String made = blobs.putBytes(graph);
        if (!made.equals(sha256)) {
            blobs.delete(made);
            throw new IOException("the graph made again for " + sha256 + " came out as " + made);
        }
    }
}
