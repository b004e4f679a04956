package dev.bonsai.finetune;

import dev.bonsai.blob.BlobStore;
import dev.bonsai.dataset.DatasetTexts;
import dev.bonsai.engine.BaseModel;
import dev.bonsai.engine.runtime.Encoder;
import dev.bonsai.job.JobStopped;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleConsumer;

/**
 * Frozen-encoder embeddings of a dataset's rows, computed once per base model, maximum length and
 * texts, and kept in blob storage (a table maps the cache key to the content's sha256).
 */
@ApplicationScoped
public class EmbeddingCache {

    private static final int CHUNK = 256;

    @Inject
    BlobStore blobs;

    @Inject
    AgroalDataSource dataSource;

    /** Whether embeddings for these rows are cached. */
    boolean contains(BaseModel model, Encoder.Options options, DatasetTexts.Rows rows) throws SQLException {
        return lookup(key(model, options, rows)) != null;
    }

    /**
     * The embeddings of {@code rows} ({@code [rows][dimensions]}), from the cache or computed in
     * chunks with progress reported from 0 to 1 and cancellation checked between chunks.
     */
    float[][] embed(BaseModel model, Encoder.Options options, DatasetTexts.Rows rows, DoubleConsumer progress,
            BooleanSupplier cancelled) throws IOException, SQLException {
        String key = key(model, options, rows);
        String sha256 = lookup(key);
        if (sha256 != null && blobs.exists(sha256)) {
            return read(sha256);
        }
        List<String> texts = rows.texts();
        float[][] embeddings = new float[texts.size()][];
        try (Encoder encoder = Encoder.open(model, options)) {
            for (int start = 0; start < texts.size(); start += CHUNK) {
                if (cancelled.getAsBoolean()) {
                    throw JobStopped.cancelled();
                }
                int end = Math.min(texts.size(), start + CHUNK);
                float[][] part = encoder.embed(texts.subList(start, end));
                System.arraycopy(part, 0, embeddings, start, part.length);
                progress.accept((double) end / texts.size());
            }
        }
        store(key, embeddings);
        return embeddings;
    }

    private float[][] read(String sha256) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(blobs.open(sha256)))) {
            float[][] embeddings = new float[in.readInt()][in.readInt()];
            for (float[] row : embeddings) {
                for (int d = 0; d < row.length; d++) {
                    row[d] = in.readFloat();
                }
            }
            return embeddings;
        }
    }

    private void store(String key, float[][] embeddings) throws IOException, SQLException {
        Path file = Files.createTempFile(blobs.scratchDirectory(), "embeddings", ".bin");
        MessageDigest digest = sha256();
        try (DataOutputStream out = new DataOutputStream(new DigestOutputStream(
                new BufferedOutputStream(Files.newOutputStream(file)), digest))) {
            out.writeInt(embeddings.length);
            out.writeInt(embeddings.length == 0 ? 0 : embeddings[0].length);
            for (float[] row : embeddings) {
                for (float value : row) {
                    out.writeFloat(value);
                }
            }
        }
        String sha256 = HexFormat.of().formatHex(digest.digest());
        blobs.putFile(sha256, file);
        try (Connection connection = dataSource.getConnection(); PreparedStatement insert = connection.prepareStatement(
                "insert into embedding_cache (cache_key, sha256, rows, created_at) values (?, ?, ?, ?)"
                        + " on conflict (cache_key) do update set sha256 = excluded.sha256")) {
            insert.setString(1, key);
            insert.setString(2, sha256);
            insert.setInt(3, embeddings.length);
            insert.setObject(4, OffsetDateTime.now(ZoneOffset.UTC));
            insert.executeUpdate();
        }
    }

    private String lookup(String key) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement query = connection.prepareStatement("select sha256 from embedding_cache where cache_key = ?")) {
            query.setString(1, key);
            try (ResultSet result = query.executeQuery()) {
                return result.next() ? result.getString(1) : null;
            }
        }
    }

    /**
     * What is embedded, exactly: the base model, the length, and the texts themselves in order (not the
     * file they came from: the same file read with another text column gives other texts).
     */
    static String key(BaseModel model, Encoder.Options options, DatasetTexts.Rows rows) {
        MessageDigest digest = sha256();
        byte[] length = new byte[4];
        for (String text : rows.texts()) {
            byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            java.nio.ByteBuffer.wrap(length).putInt(bytes.length);
            digest.update(length);
            digest.update(bytes);
        }
        return model.id() + "|" + options.maxSequenceLength() + "|texts:" + HexFormat.of().formatHex(digest.digest()) + "|"
                + rows.texts().size();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
