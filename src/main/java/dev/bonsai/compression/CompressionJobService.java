package dev.bonsai.compression;

import dev.bonsai.dataset.DatasetService;
import dev.bonsai.device.Device;
import dev.bonsai.device.DeviceCatalog;
import dev.bonsai.engine.BaseModel;
import dev.bonsai.engine.compress.Compression;
import dev.bonsai.job.JobRows;
import dev.bonsai.job.JobService;
import dev.bonsai.model.ModelService;
import dev.bonsai.platform.Ids;
import dev.bonsai.platform.Problem;
import dev.bonsai.platform.ProblemException;
import dev.bonsai.platform.ProblemType;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** Compression jobs: the request is checked and "auto" expanded into recipes before a job is queued. */
@ApplicationScoped
public class CompressionJobService extends JobService<CompressionJobEntity, CompressionJob> implements DatasetService.UsageCheck {

    static final String TASK = "compress";
    /** No device answer is worth waiting longer for; anything larger is a mistake, not a constraint. */
    static final double MAX_LATENCY_MILLIS = 3_600_000;
    static final double DEFAULT_MAX_ACCURACY_DROP = 0.01;
    static final int MAX_RECIPES = 12;

    /** The body of {@code POST /v1/compression/jobs}. */
    @Schema(name = "CreateCompressionJobRequest")
    public record CreateRequest(
            @Schema(description = "A model of the tenant", required = true) String model,
            @Schema(description = "A device id from GET /v1/devices", required = true) String device,
            @Schema(ref = "Techniques") Object techniques,
            @Schema(description = "Largest accepted absolute drop in validation accuracy; default 0.01") Double maxAccuracyDrop,
            @Schema(description = "Optional ceiling on the estimated single-text latency on the device, at most 3600000") Double maxLatencyMillis,
            @Schema(description = "Optional ceiling on the variant's size (model and tokenizer)") Long maxSizeBytes) {
    }

    /** A job and whether this call created it (false: an earlier call with the same Idempotency-Key did). */
    public record Created(CompressionJob job, boolean created) {
    }

    @Inject
    ModelService models;

    @Inject
    DeviceCatalog devices;

    @Override
    protected Kind<CompressionJobEntity, CompressionJob> kind() {
        return new Kind<>(CompressionJobEntity.class, "compression job", TASK, "compression.job", CompressionJob::of);
    }

    public Created create(String tenantId, CreateRequest request, String idempotencyKey) {
        JobRows.Created<CompressionJob> created = rows().create(tenantId, idempotencyKey, request, () -> {
            Map<String, Object> resolved = validate(tenantId, request);
            CompressionJobEntity job = new CompressionJobEntity();
            job.id = Ids.next("cmpjob");
            job.modelId = request.model();
            job.device = request.device();
            job.request = resolved;
            return job;
        }, job -> "Job queued: compressing " + job.modelId + " for " + job.device + " with " + job.request.get("techniques")
                + ".");
        return new Created(created.job(), created.created());
    }

    /** A compression job reads the texts of its model's dataset: it may not be deleted while one waits or runs. */
    @Override
    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<String> usedBy(String tenantId, String datasetId) {
        for (CompressionJobEntity job : rows().active(tenantId)) {
            String trainedOn;
            try {
                trainedOn = models.source(tenantId, job.modelId).datasetId();
            } catch (ProblemException deleted) {
                continue; // its model is gone, and the job will stop without reading the dataset
            }
            if (datasetId.equals(trainedOn)) {
                return Optional.of("compression job " + job.id + " is " + job.status + " on model " + job.modelId
                        + ", which was trained on it.");
            }
        }
        return Optional.empty();
    }

    private Map<String, Object> validate(String tenantId, CreateRequest request) {
        List<Problem.FieldError> errors = new ArrayList<>();
        Optional<BaseModel> baseModel = Optional.empty();
        if (request.model() == null || request.model().isBlank()) {
            errors.add(new Problem.FieldError("/model", "Name the model to compress."));
        } else {
            ModelService.Source source = null;
            try {
                source = models.source(tenantId, request.model());
            } catch (ProblemException e) {
                errors.add(new Problem.FieldError("/model", "No model with id '" + request.model() + "'."));
            }
            if (source != null && source.embeds()) {
                throw new ProblemException(ProblemType.CONFLICT, "Model " + request.model() + " is an embedding model;"
                        + " compression jobs compress classifiers only for now (they gate on accuracy). Its original"
                        + " variant downloads and serves embeddings as it is.");
            }
            if (source != null) {
                baseModel = BaseModel.byId(source.baseModel());
            }
        }
        Optional<Device> device = request.device() == null ? Optional.empty() : devices.byId(request.device());
        if (device.isEmpty()) {
            errors.add(new Problem.FieldError("/device", "device must be one of "
                    + devices.list().stream().map(Device::id).toList() + "."));
        }
        List<String> recipes = new ArrayList<>();
        Object techniques = request.techniques();
        boolean auto = techniques == null || "auto".equals(techniques)
                || techniques instanceof List<?> one && one.size() == 1 && "auto".equals(one.get(0));
        if (auto) {
            if (baseModel.isPresent() && device.isPresent()) {
                recipes.addAll(auto(baseModel.get(), device.get()));
            }
        } else if (techniques instanceof List<?> list && !list.isEmpty() && list.size() <= MAX_RECIPES) {
            LinkedHashSet<String> distinct = new LinkedHashSet<>();
            for (int i = 0; i < list.size(); i++) {
                if (!(list.get(i) instanceof String recipe)) {
                    errors.add(new Problem.FieldError("/techniques/" + i, "Each recipe is a string."));
                    continue;
                }
                try {
                    distinct.add(Compression.canonical(Compression.parse(recipe,
                            baseModel.map(BaseModel::layers).orElse(Integer.MAX_VALUE))));
                } catch (IllegalArgumentException e) {
                    errors.add(new Problem.FieldError("/techniques/" + i, e.getMessage()));
                }
            }
            recipes.addAll(distinct);
        } else {
            errors.add(new Problem.FieldError("/techniques", "techniques is \"auto\" or a list of 1 to " + MAX_RECIPES
                    + " recipes."));
        }
        double maxDrop = request.maxAccuracyDrop() == null ? DEFAULT_MAX_ACCURACY_DROP : request.maxAccuracyDrop();
        if (maxDrop < 0 || maxDrop > 1 || Double.isNaN(maxDrop)) {
            errors.add(new Problem.FieldError("/maxAccuracyDrop", "maxAccuracyDrop is an absolute accuracy between 0 and 1."));
        }
        if (request.maxLatencyMillis() != null && !(request.maxLatencyMillis() > 0 && request.maxLatencyMillis() <= MAX_LATENCY_MILLIS)) {
            errors.add(new Problem.FieldError("/maxLatencyMillis", "maxLatencyMillis must be positive and at most "
                    + (long) MAX_LATENCY_MILLIS + " (an hour)."));
        }
        if (request.maxSizeBytes() != null && request.maxSizeBytes() <= 0) {
            errors.add(new Problem.FieldError("/maxSizeBytes", "maxSizeBytes must be positive."));
        }
        if (!errors.isEmpty()) {
            String detail = errors.size() == 1 ? errors.get(0).detail() : errors.size() + " fields are invalid.";
            throw new ProblemException(ProblemType.VALIDATION_FAILED, detail, errors, Map.of(), Map.of());
        }
        Map<String, Object> resolved = new LinkedHashMap<>();
        resolved.put("techniques", recipes);
        resolved.put("auto", auto);
        resolved.put("maxAccuracyDrop", maxDrop);
        if (request.maxLatencyMillis() != null) {
            resolved.put("maxLatencyMillis", request.maxLatencyMillis());
        }
        if (request.maxSizeBytes() != null) {
            resolved.put("maxSizeBytes", request.maxSizeBytes());
        }
        return resolved;
    }

    /**
     * The recipes "auto" tries for a device: int8 (dynamic, and static with a pruned vocabulary)
     * with and without a pruned vocabulary, fp16 where the device runs it, and half the layers
     * distilled (with int8, with and without pruning).
     */
    public static List<String> auto(BaseModel model, Device device) {
        List<String> recipes = new ArrayList<>(List.of(Compression.INT8_DYNAMIC, Compression.VOCABULARY_PRUNING,
                Compression.VOCABULARY_PRUNING + "+" + Compression.INT8_DYNAMIC,
                Compression.VOCABULARY_PRUNING + "+" + Compression.INT8_STATIC));
        if (device.supportedPrecisions().contains("fp16")) {
            recipes.add(Compression.VOCABULARY_PRUNING + "+" + Compression.FP16);
        }
        String half = Compression.LAYER_DROP + ":" + Math.max(1, model.layers() / 2);
        recipes.add(half + "+" + Compression.INT8_DYNAMIC);
        recipes.add(half + "+" + Compression.VOCABULARY_PRUNING + "+" + Compression.INT8_DYNAMIC);
        return recipes;
    }

}
