package dev.bonsai.batch;

import dev.bonsai.blob.BlobStore;
import dev.bonsai.blob.Spool;
import dev.bonsai.dataset.DatasetFormat;
import dev.bonsai.dataset.Finding;
import dev.bonsai.dataset.TextRows;
import dev.bonsai.job.JobRows;
import dev.bonsai.job.JobService;
import dev.bonsai.model.ModelService;
import dev.bonsai.platform.BonsaiConfig;
import dev.bonsai.platform.Ids;
import dev.bonsai.platform.Problem;
import dev.bonsai.platform.ProblemException;
import dev.bonsai.platform.ProblemType;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Batch predictions: the input file is read once as it arrives, checked with the strict parser of
 * dataset uploads (a file with a broken row is refused whole, naming its lines, and nothing is
 * kept), stored, and a job is queued that runs every row through one variant of a model.
 */
@ApplicationScoped
public class BatchService extends JobService<BatchJobEntity, BatchJob> {

    static final String TASK = "batch-predict";
    static final String ID_SETTING = "idColumn";

    /** What a batch is asked for besides its file. */
    public record CreateRequest(String model, String variant, DatasetFormat format, String fileName, String textColumn,
            String idColumn) {
    }

    /** A job and whether this call created it (false: an earlier call with the same Idempotency-Key did). */
    public record Created(BatchJob job, boolean created) {
    }

    /** A finished batch's output file in one format. */
    public record Output(String sha256, long bytes, String mediaType, String fileName) {
    }

    @Inject
    ModelService models;

    @Inject
    BlobStore blobs;

    @Inject
    BonsaiConfig config;

    @Inject
    BatchBlobs batchBlobs;

    @Override
    protected Kind<BatchJobEntity, BatchJob> kind() {
        return new Kind<>(BatchJobEntity.class, "batch", TASK, "batch", BatchJob::of);
    }

    public Created create(String tenantId, CreateRequest request, InputStream body, String idempotencyKey) {
        String textColumn = orDefault(request.textColumn(), "text");
        String idColumn = request.idColumn() == null || request.idColumn().isBlank() ? null : request.idColumn().strip();
        String variantId = resolve(tenantId, request, textColumn, idColumn);
        Path spooled = null;
        try {
            spooled = Files.createTempFile(blobs.scratchDirectory(), "batch-", ".part");
            String sha256 = spool(body, spooled);
            long rows = count(spooled, request.format(), textColumn, idColumn);
            // What makes a retry the same request: the file's bytes and how they are read.
            Map<String, Object> fingerprint = new LinkedHashMap<>();
            fingerprint.put("model", request.model());
            fingerprint.put("variant", variantId);
            fingerprint.put("format", request.format().wireName());
            fingerprint.put("textColumn", textColumn);
            fingerprint.put("idColumn", idColumn);
            fingerprint.put("input", sha256);
            blobs.putFile(sha256, spooled);
            spooled = null;
            JobRows.Created<BatchJob> created;
            try {
                created = rows().create(tenantId, idempotencyKey, fingerprint, () -> {
                    BatchJobEntity job = new BatchJobEntity();
                    job.id = Ids.next("batch");
                    job.modelId = request.model();
                    job.variantId = variantId;
                    job.inputSha256 = sha256;
                    job.inputFormat = request.format().wireName();
                    job.inputFileName = request.fileName();
                    job.textColumn = textColumn;
                    job.idColumn = idColumn;
                    job.rowsTotal = rows;
                    return job;
                }, job -> "Job queued: " + job.rowsTotal + " rows of " + (job.inputFileName == null ? "the input"
                        : job.inputFileName) + " through " + job.modelId + " (variant " + job.variantId + ").");
            } catch (RuntimeException refused) {
                // Refused (an Idempotency-Key reused with another file, say): nothing of it is kept.
                batchBlobs.discard(sha256);
                throw refused;
            }
            return new Created(created.job(), created.created());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (spooled != null) {
                try {
                    Files.deleteIfExists(spooled);
                } catch (IOException ignored) {
                    // a scratch file; the scratch folder is emptied at start
                }
            }
        }
    }

    /** The output of a batch that succeeded, as {@code format} (jsonl or csv). */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Output output(String tenantId, String id, String format) {
        if (format != null && !format.equals("jsonl") && !format.equals("csv")) {
            throw ProblemException.invalidField("/format", "format must be jsonl or csv.");
        }
        String chosen = format == null ? "jsonl" : format;
        BatchJobEntity job = rows().find(tenantId, id);
        if (!job.status.equals("succeeded")) {
            throw new ProblemException(ProblemType.CONFLICT, "The batch is " + job.status + "; its output can be"
                    + " downloaded once it has succeeded.");
        }
        if (Boolean.TRUE.equals(job.result.get("expired"))) {
            throw new ProblemException(ProblemType.GONE, "The batch's output was deleted at " + job.outputExpiresAt
                    + ", when its retention time ended; run the batch again to have it anew.");
        }
        Map<String, Object> file = BatchJob.output(job.result, chosen);
        return new Output((String) file.get("sha256"), ((Number) file.get("bytes")).longValue(),
                chosen.equals("csv") ? "text/csv; charset=utf-8" : "application/jsonl",
                job.id + "-output." + chosen);
    }

    /** Reads {@code length} bytes of an output from {@code offset}. */
    public InputStream open(Output output, long offset, long length) throws IOException {
        return blobs.open(output.sha256(), offset, length);
    }

    /** Checks the request's fields and returns the variant it resolves to. */
    private String resolve(String tenantId, CreateRequest request, String textColumn, String idColumn) {
        List<Problem.FieldError> errors = new ArrayList<>();
        String variantId = null;
        if (request.model() == null || request.model().isBlank()) {
            errors.add(new Problem.FieldError("/model", "Name the model the batch runs (model=mdl_…)."));
        } else {
            boolean modelFound = true;
            try {
                models.source(tenantId, request.model());
            } catch (ProblemException e) {
                if (e.type() != ProblemType.NOT_FOUND) {
                    throw e;
                }
                modelFound = false;
                errors.add(new Problem.FieldError("/model", "No model with id '" + request.model() + "'."));
            }
            if (modelFound) {
                try {
                    variantId = models.serving(tenantId, request.model(), request.variant()).variantId();
                } catch (ProblemException e) {
                    if (e.type() != ProblemType.NOT_FOUND) {
                        throw e;
                    }
                    errors.add(new Problem.FieldError("/variant", "Model " + request.model() + " has no variant '"
                            + request.variant() + "'; use original, recommended or one of its variant ids."));
                }
            }
        }
        if (textColumn.length() > 256) {
            errors.add(new Problem.FieldError("/textColumn", "Column names are at most 256 characters."));
        }
        if (idColumn != null && idColumn.length() > 256) {
            errors.add(new Problem.FieldError("/idColumn", "Column names are at most 256 characters."));
        }
        if (idColumn != null && idColumn.equals(textColumn)) {
            errors.add(new Problem.FieldError("/idColumn", "idColumn must name another column than textColumn."));
        }
        if (!errors.isEmpty()) {
            String detail = errors.size() == 1 ? errors.get(0).detail() : errors.size() + " fields are invalid.";
            throw new ProblemException(ProblemType.VALIDATION_FAILED, detail, errors, Map.of(), Map.of());
        }
        return variantId;
    }

    /** The file's rows; a file with a problem, no rows or too many is refused, naming what is wrong. */
    private long count(Path file, DatasetFormat format, String textColumn, String idColumn) throws IOException {
        long rows = 0;
        int max = config.batches().maxRows();
        List<Finding> problems;
        try (InputStream in = Files.newInputStream(file);
                TextRows reader = TextRows.open(format, in, textColumn, idColumn, ID_SETTING,
                        config.inference().maxInputLength())) {
            while (reader.next() != null) {
                if (++rows > max) {
                    throw ProblemException.invalidField("/file", "A batch may have at most " + max + " rows; split the"
                            + " file.");
                }
            }
            problems = reader.problems();
        }
        if (!problems.isEmpty()) {
            List<Problem.FieldError> errors = problems.stream().map(problem -> new Problem.FieldError("/file",
                    problem.message() + (problem.line() == null ? "" : " First at line " + problem.line() + ".")
                            + (problem.examples() == null || problem.examples().isEmpty() ? ""
                                    : " For example: " + problem.examples().get(0)))).toList();
            throw new ProblemException(ProblemType.VALIDATION_FAILED, "The file cannot be read as a batch: "
                    + errors.get(0).detail(), errors, Map.of(), Map.of());
        }
        if (rows == 0) {
            throw ProblemException.invalidField("/file", "The file has no rows.");
        }
        return rows;
    }

    /** Copies the body to {@code target} and returns its sha256; over the upload limit is a 413. */
    private String spool(InputStream body, Path target) throws IOException {
        long limit = config.datasets().maxUploadSize().asLongValue();
        return Spool.copy(body, target, limit, "Batch files may be at most " + limit + " bytes; split the file or"
                + " raise BONSAI_DATASET_MAX_UPLOAD_SIZE.");
    }

    static OffsetDateTime now() {
        return OffsetDateTime.now(ZoneOffset.UTC);
    }

    private static String orDefault(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value.strip();
    }
}
