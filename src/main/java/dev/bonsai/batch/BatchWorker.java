package dev.bonsai.batch;

import dev.bonsai.blob.BlobStore;
import dev.bonsai.dataset.DatasetFormat;
import dev.bonsai.dataset.TextRows;
import dev.bonsai.inference.PredictionService;
import dev.bonsai.job.Attempt;
import dev.bonsai.job.JobLifecycle;
import dev.bonsai.job.JobStopped;
import dev.bonsai.job.JobWorker;
import dev.bonsai.model.ModelService;
import dev.bonsai.platform.BonsaiConfig;
import dev.bonsai.platform.ProblemException;
import dev.bonsai.platform.ProblemType;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Runs a batch: reads the stored input row by row, predicts 32 texts at a time through the same
 * path as the predictions API, and stores the output in chunks of {@code BONSAI_BATCH_CHUNK_ROWS}
 * rows, each recorded on the job row with the rows it covers. An attempt that resumes a batch
 * (after a crash, a takeover or a shutdown) skips the rows already stored and goes on from there,
 * so every row is answered once. At the end the chunks are joined into one JSONL and one CSV
 * file. Memory stays flat whatever the file's size: one chunk is on local disk at a time.
 */
@ApplicationScoped
public class BatchWorker implements JobWorker<BatchJobEntity> {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(BatchWorker.class);

    /** Texts per call of the model: the batch size the serving path is measured at. */
    static final int BATCH = 32;
    /** Progress is written at most this often between chunks. */
    private static final long PROGRESS_EVERY_NANOS = 1_000_000_000L;

    @Inject
    PredictionService predictions;

    @Inject
    ModelService models;

    @Inject
    BlobStore blobs;

    @Inject
    BonsaiConfig config;

    @Inject
    JobLifecycle lifecycle;

    @Inject
    BatchBlobs batchBlobs;

    @Override
    public String taskName() {
        return BatchService.TASK;
    }

    @Override
    public Class<BatchJobEntity> jobType() {
        return BatchJobEntity.class;
    }

    @Override
    public String cancelledMessage() {
        return "Job cancelled; the rows predicted so far are not kept as an output.";
    }

    @Override
    public String failedMessage() {
        return "The batch failed on our side; it can be created again.";
    }

    @Override
    public void work(BatchJobEntity job, Attempt<BatchJobEntity> attempt) throws IOException {
        BooleanSupplier cancelled = attempt.cancellation();
        ModelService.ServingInfo serving = QuarkusTransaction.requiringNew().call(() -> {
            try {
                return models.serving(job.tenantId, job.modelId, job.variantId);
            } catch (ProblemException deleted) {
                return null;
            }
        });
        if (serving == null) {
            throw new JobStopped("model_unavailable", "Model " + job.modelId + " or its variant " + job.variantId
                    + " no longer exists.", "model");
        }
        // An embedding model's rows are its vectors; a classifier's its labels' probabilities.
        OutputLines lines = new OutputLines(serving.labels(), serving.embeds()
                ? dev.bonsai.engine.BaseModel.byId(serving.baseModel()).orElseThrow().dimensions() : 0);
        List<Map<String, Object>> chunks = new ArrayList<>(job.chunks);
        long done = job.rowsDone;
        if (done > 0) {
            attempt.message("info", "Resuming after row " + done + " of " + job.rowsTotal + ", the last one stored.");
        }
        int maxLength = config.inference().maxInputLength();
        long row = 0;
        long lastProgress = System.nanoTime();
        try (InputStream in = blobs.open(job.inputSha256);
                TextRows rows = TextRows.open(DatasetFormat.fromName(job.inputFormat).orElseThrow(), in, job.textColumn,
                        job.idColumn, BatchService.ID_SETTING, maxLength)) {
            while (row < done && rows.next() != null) {
                row++;
            }
            Chunk chunk = new Chunk(blobs.scratchDirectory());
            try {
                List<TextRows.TextRow> pending = new ArrayList<>(BATCH);
                List<String> ids = new ArrayList<>(BATCH);
                TextRows.TextRow next;
                while ((next = rows.next()) != null) {
                    row++;
                    String id = job.idColumn == null ? Long.toString(row) : next.id();
                    pending.add(next);
                    ids.add(id);
                    if (pending.size() == BATCH) {
                        predict(job, lines, pending, ids, chunk, maxLength, cancelled);
                    }
                    if (chunk.rows + pending.size() >= config.batches().chunkRows()) {
                        predict(job, lines, pending, ids, chunk, maxLength, cancelled);
                        store(attempt, chunk, chunks, row, job.rowsTotal);
                        chunk.close();
                        chunk = new Chunk(blobs.scratchDirectory());
                        lastProgress = System.nanoTime();
                    } else if (System.nanoTime() - lastProgress > PROGRESS_EVERY_NANOS) {
                        attempt.progress(0.98 * row / job.rowsTotal);
                        lastProgress = System.nanoTime();
                    }
                }
                predict(job, lines, pending, ids, chunk, maxLength, cancelled);
                if (chunk.rows > 0) {
                    store(attempt, chunk, chunks, row, job.rowsTotal);
                }
            } finally {
                chunk.close();
            }
            if (row != job.rowsTotal) {
                throw new IllegalStateException("the input has " + row + " rows, " + job.rowsTotal + " when it was stored");
            }
        }
        finish(job, attempt, lines, chunks);
    }

    /**
     * Predicts the pending rows into the chunk (rows with no text or too long a text get an error
     * instead), then stops if the job was cancelled.
     */
    private void predict(BatchJobEntity job, OutputLines lines, List<TextRows.TextRow> pending, List<String> ids,
            Chunk chunk, int maxLength, BooleanSupplier cancelled) throws IOException {
        if (pending.isEmpty()) {
            return;
        }
        List<String> texts = new ArrayList<>();
        for (TextRows.TextRow row : pending) {
            if (!row.tooLong() && !row.text().isBlank()) {
                texts.add(row.text());
            }
        }
        PredictionService.Scores scores = texts.isEmpty() ? null : scores(job, texts);
        int predicted = 0;
        for (int i = 0; i < pending.size(); i++) {
            TextRows.TextRow row = pending.get(i);
            if (row.tooLong()) {
                chunk.add(lines.failed(ids.get(i), "The text is longer than " + maxLength + " characters."), true);
            } else if (row.text().isBlank()) {
                chunk.add(lines.failed(ids.get(i), "The text is empty."), true);
            } else {
                int at = predicted++;
                chunk.add(lines.embeds() ? lines.embedded(ids.get(i), scores.embeddings()[at])
                        : lines.predicted(ids.get(i), scores.probabilities()[at]), false);
            }
        }
        pending.clear();
        ids.clear();
        if (cancelled.getAsBoolean()) {
            throw JobStopped.cancelled();
        }
    }

    /** Scores through the serving path; a variant's queue that is full is waited for, not failed. */
    private PredictionService.Scores scores(BatchJobEntity job, List<String> texts) {
        for (int waited = 0; ; waited++) {
            try {
                return predictions.score(job.tenantId, job.modelId, job.variantId, texts);
            } catch (ProblemException e) {
                if (e.type() != ProblemType.UNAVAILABLE || waited >= 600) {
                    throw e;
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** Stores a chunk's two files and records them, with the rows now done, on the job row. */
    private void store(Attempt<BatchJobEntity> attempt, Chunk chunk, List<Map<String, Object>> chunks, long rowsDone,
            long rowsTotal) throws IOException {
        Map<String, Object> stored = chunk.store(blobs);
        chunks.add(stored);
        List<Map<String, Object>> recorded = List.copyOf(chunks);
        // A chunk an attempt stored after it lost the job is not deleted: the attempt that holds the
        // job writes the same rows to the same bytes, and the blob may be its own by now.
        attempt.write(row -> {
            row.chunks = new ArrayList<>(recorded);
            row.rowsDone = rowsDone;
            row.progress = (float) (0.98 * rowsDone / rowsTotal);
            return null;
        });
    }

    /** Joins the chunks into the two output files and ends the job with them. */
    private void finish(BatchJobEntity job, Attempt<BatchJobEntity> attempt, OutputLines lines,
            List<Map<String, Object>> chunks) throws IOException {
        Map<String, Object> outputs = new LinkedHashMap<>();
        outputs.put("jsonl", join(chunks, "jsonl", ""));
        outputs.put("csv", join(chunks, "csv", lines.csvHeader()));
        long rowsWithErrors = chunks.stream().mapToLong(chunk -> ((Number) chunk.get("errors")).longValue()).sum();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("rows", job.rowsTotal);
        result.put("rowsWithErrors", rowsWithErrors);
        result.put("outputs", outputs);
        result.put("expired", false);
        lifecycle.succeed(attempt, result, row -> {
            row.rowsDone = row.rowsTotal;
            row.outputExpiresAt = BatchService.now().plus(config.batches().retention());
            return "Batch done: " + row.rowsTotal + " rows" + (rowsWithErrors == 0 ? "" : ", " + rowsWithErrors
                    + " of them answered with an error") + "; the output is kept until " + row.outputExpiresAt + ".";
        });
    }

    /** One output file: {@code header} and then every chunk's file of {@code format}, stored as a blob. */
    private Map<String, Object> join(List<Map<String, Object>> chunks, String format, String header) throws IOException {
        Path file = Files.createTempFile(blobs.scratchDirectory(), "batch-output-", "." + format);
        try {
            MessageDigest digest = sha256();
            try (OutputStream out = new DigestOutputStream(Files.newOutputStream(file), digest)) {
                out.write(header.getBytes(StandardCharsets.UTF_8));
                for (Map<String, Object> chunk : chunks) {
                    try (InputStream in = blobs.open((String) chunk.get(format))) {
                        in.transferTo(out);
                    }
                }
            }
            String sha = HexFormat.of().formatHex(digest.digest());
            long bytes = Files.size(file);
            blobs.putFile(sha, file);
            return new LinkedHashMap<>(Map.of("sha256", sha, "bytes", bytes));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** Once the job has ended, its chunks are no longer needed: the output holds them, or nothing will. */
    @Override
    public void ended(String jobId) throws IOException {
        batchBlobs.dropChunks(jobId);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A chunk of output being written: its rows in both formats, in two scratch files, hashed as they are written. */
    private static final class Chunk implements AutoCloseable {
        private final Path jsonl;
        private final Path csv;
        private final MessageDigest jsonlDigest = sha256();
        private final MessageDigest csvDigest = sha256();
        private final Writer jsonlOut;
        private final Writer csvOut;
        long rows;
        long errors;

        Chunk(Path scratch) throws IOException {
            jsonl = Files.createTempFile(scratch, "batch-chunk-", ".jsonl");
            csv = Files.createTempFile(scratch, "batch-chunk-", ".csv");
            jsonlOut = writer(jsonl, jsonlDigest);
            csvOut = writer(csv, csvDigest);
        }

        private static Writer writer(Path file, MessageDigest digest) throws IOException {
            return new BufferedWriter(new OutputStreamWriter(new DigestOutputStream(Files.newOutputStream(file), digest),
                    StandardCharsets.UTF_8), 1 << 16);
        }

        void add(String[] line, boolean error) throws IOException {
            jsonlOut.write(line[0]);
            csvOut.write(line[1]);
            rows++;
            if (error) {
                errors++;
            }
        }

        Map<String, Object> store(BlobStore blobs) throws IOException {
            jsonlOut.close();
            csvOut.close();
            String jsonlSha = HexFormat.of().formatHex(jsonlDigest.digest());
            String csvSha = HexFormat.of().formatHex(csvDigest.digest());
            blobs.putFile(jsonlSha, jsonl);
            blobs.putFile(csvSha, csv);
            Map<String, Object> stored = new LinkedHashMap<>();
            stored.put("rows", rows);
            stored.put("errors", errors);
            stored.put("jsonl", jsonlSha);
            stored.put("csv", csvSha);
            return stored;
        }

        @Override
        public void close() throws IOException {
            jsonlOut.close();
            csvOut.close();
            Files.deleteIfExists(jsonl);
            Files.deleteIfExists(csv);
        }
    }
}
