package dev.bonsai.finetune;

import dev.bonsai.dataset.DatasetService;
import dev.bonsai.engine.BaseModel;
import dev.bonsai.job.JobRows;
import dev.bonsai.job.JobService;
import dev.bonsai.platform.Ids;
import dev.bonsai.platform.Problem;
import dev.bonsai.platform.ProblemException;
import dev.bonsai.platform.ProblemType;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Fine-tuning jobs: everything checkable is checked before a job is queued. */
@ApplicationScoped
public class FineTuneJobService extends JobService<FineTuneJobEntity, FineTuneJob> implements DatasetService.UsageCheck {

    static final String TASK = "fine-tune";
    static final List<String> METHODS = List.of("head", "partial", "full");

    /** The body of {@code POST /v1/fine-tuning/jobs}. */
    @Schema(name = "CreateFineTuningJobRequest")
    public record CreateRequest(
            @Schema(description = "A base model id from GET /v1/base-models", required = true) String baseModel,
            @Schema(description = "A ready dataset of the tenant; its train/validation/test splits are used", required = true)
            String dataset,
            @Schema(description = "Optional dataset whose rows all serve for validation instead of the dataset's own split")
            String validationDataset,
            @Schema(description = "head, partial or full (an embedding model: partial or full)", required = true,
                    enumeration = {"head", "partial", "full"})
            String method,
            @Schema(description = "classification (a classifier of the dataset's labels) or embedding (an encoder"
                    + " trained on the dataset's pairs for semantic search); by default the dataset's task",
                    enumeration = {"classification", "embedding"})
            String task,
            @Schema(description = "Each a number or \"auto\" (the default): epochs, batchSize, learningRate, maxSequenceLength,"
                    + " unfreezeLayers (partial), seed, earlyStoppingPatience, classWeights (\"auto\", \"none\" or"
                    + " \"balanced\"). Auto values are described in the README.")
            Map<String, Object> hyperparameters,
            @Schema(description = "Name of the resulting model, at most 200 characters; by default the dataset's name, the method and the base model") String name,
            @Schema(description = "Up to 16 string pairs kept on the job (keys up to 64 characters, values up to 512)") Map<String, String> metadata) {
    }

    /** A job and whether this call created it (false: an earlier call with the same Idempotency-Key did). */
    public record Created(FineTuneJob job, boolean created) {
    }

    @Inject
    DatasetService datasets;

    @Override
    protected Kind<FineTuneJobEntity, FineTuneJob> kind() {
        return new Kind<>(FineTuneJobEntity.class, "fine-tuning job", TASK, "fine_tuning.job", FineTuneJob::of);
    }

    public Created create(String tenantId, CreateRequest request, String idempotencyKey) {
        JobRows.Created<FineTuneJob> created = rows().create(tenantId, idempotencyKey, request, () -> {
            DatasetService.Task task = task(tenantId, request);
            Map<String, Object> hyperparameters = validate(tenantId, request, task);
            FineTuneJobEntity job = new FineTuneJobEntity();
            job.id = Ids.next("ftjob");
            // People read names: without one, the model is named after what it was made from.
            job.name = request.name() != null ? request.name()
                    : defaultName(datasets.get(tenantId, request.dataset()).name(), request.method(), request.baseModel());
            job.baseModel = request.baseModel();
            job.datasetId = request.dataset();
            job.method = request.method();
            job.task = task.name();
            job.hyperparameters = hyperparameters;
            job.metadata = request.metadata();
            if (request.validationDataset() != null) {
                job.hyperparameters.put("validationDataset", request.validationDataset());
            }
            return job;
        }, job -> "Job queued: " + job.method + " fine-tuning of " + job.baseModel + " on " + job.datasetId + ".");
        return new Created(created.job(), created.created());
    }

    /** "reviews · head · all-minilm-l6-v2", the dataset's name shortened to keep within a name's 200 characters. */
    static String defaultName(String dataset, String method, String baseModel) {
        String suffix = " · " + method + " · " + baseModel;
        int room = 200 - suffix.length();
        if (dataset.length() <= room) {
            return dataset + suffix;
        }
        int cut = Character.isHighSurrogate(dataset.charAt(room - 2)) ? room - 2 : room - 1;
        return dataset.substring(0, cut) + "…" + suffix;
    }

    /**
     * The job's task: the one asked for, else the dataset's; a task the dataset cannot train (a
     * classifier of pairs, an embedding model of labelled texts) is refused.
     */
    private DatasetService.Task task(String tenantId, CreateRequest request) {
        DatasetService.Task asked = request.task() == null ? null : DatasetService.Task.parse(request.task(), "/task");
        if (request.dataset() == null || request.dataset().isBlank()) {
            return asked == null ? DatasetService.Task.classification : asked;
        }
        DatasetService.Task held;
        try {
            held = DatasetService.Task.parse(datasets.get(tenantId, request.dataset()).task(), "/dataset");
        } catch (ProblemException e) {
            // No such dataset: validate names it.
            return asked == null ? DatasetService.Task.classification : asked;
        }
        if (asked != null && asked != held) {
            throw ProblemException.invalidField("/task", held == DatasetService.Task.embedding
                    ? "Dataset " + request.dataset() + " holds pairs, which train an embedding model (task embedding),"
                            + " not a classifier."
                    : "Dataset " + request.dataset() + " holds labelled texts, which train a classifier; an embedding"
                            + " model trains on a pair dataset (uploaded with task=embedding).");
        }
        return held;
    }

    private Map<String, Object> validate(String tenantId, CreateRequest request, DatasetService.Task task) {
        List<Problem.FieldError> errors = new ArrayList<>();
        if (task == DatasetService.Task.embedding && "head".equals(request.method())) {
            errors.add(new Problem.FieldError("/method", "An embedding model trains its encoder: method partial or full"
                    + " (head trains a classifier's head on a frozen encoder)."));
        }
        if (task == DatasetService.Task.embedding && request.hyperparameters() != null
                && request.hyperparameters().get("classWeights") != null) {
            errors.add(new Problem.FieldError("/hyperparameters/classWeights", "classWeights applies to classifiers only."));
        }
        Optional<BaseModel> model = request.baseModel() == null ? Optional.empty() : BaseModel.byId(request.baseModel());
        if (model.isEmpty()) {
            errors.add(new Problem.FieldError("/baseModel", "baseModel must be one of "
                    + java.util.Arrays.stream(BaseModel.values()).map(BaseModel::id).toList() + "."));
        }
        checkDataset(tenantId, request.dataset(), "/dataset", true, task, errors);
        if (request.validationDataset() != null) {
            checkDataset(tenantId, request.validationDataset(), "/validationDataset", false, task, errors);
        }
        if (request.method() == null || !METHODS.contains(request.method())) {
            errors.add(new Problem.FieldError("/method", "method must be one of " + METHODS + "."));
        }
        if (request.hyperparameters() != null && request.hyperparameters().get("unfreezeLayers") instanceof Number layers
                && model.isPresent()) {
            if (!"partial".equals(request.method())) {
                errors.add(new Problem.FieldError("/hyperparameters/unfreezeLayers", "unfreezeLayers applies to the partial method only."));
            } else if (layers.intValue() > model.get().layers()) {
                errors.add(new Problem.FieldError("/hyperparameters/unfreezeLayers", model.get().id() + " has "
                        + model.get().layers() + " layers."));
            }
        }
        if (request.name() != null && request.name().length() > 200) {
            errors.add(new Problem.FieldError("/name", "name must be at most 200 characters."));
        }
        if (request.metadata() != null && request.metadata().size() > 16) {
            errors.add(new Problem.FieldError("/metadata", "metadata may have at most 16 entries."));
        }
        if (request.metadata() != null) {
            request.metadata().forEach((name, value) -> {
                if (name.isEmpty() || name.length() > 64) {
                    errors.add(new Problem.FieldError("/metadata", "metadata keys are 1 to 64 characters."));
                } else if (value != null && value.length() > 512) {
                    errors.add(new Problem.FieldError("/metadata/" + name, "metadata values are at most 512 characters."));
                }
            });
        }
        Map<String, Object> hyperparameters = RequestedHyperparameters.validate(request.hyperparameters(),
                model.map(BaseModel::maxSequenceLength).orElse(512), errors);
        if (!errors.isEmpty()) {
            String detail = errors.size() == 1 ? errors.get(0).detail() : errors.size() + " fields are invalid.";
            throw new ProblemException(ProblemType.VALIDATION_FAILED, detail, errors, Map.of(), Map.of());
        }
        return new LinkedHashMap<>(hyperparameters);
    }

    private void checkDataset(String tenantId, String id, String pointer, boolean required, DatasetService.Task task,
            List<Problem.FieldError> errors) {
        if (id == null || id.isBlank()) {
            if (required) {
                errors.add(new Problem.FieldError(pointer, "Name the dataset to train on."));
            }
            return;
        }
        try {
            var dataset = datasets.get(tenantId, id);
            if (!"ready".equals(dataset.status())) {
                errors.add(new Problem.FieldError(pointer, "Dataset " + id + " was rejected; fix the file and upload it again."));
            } else if (!task.name().equals(dataset.task())) {
                errors.add(new Problem.FieldError(pointer, "Dataset " + id + " is a " + dataset.task() + " dataset; this job"
                        + " trains " + (task == DatasetService.Task.embedding ? "an embedding model on pairs." : "a classifier.")));
            }
        } catch (ProblemException e) {
            errors.add(new Problem.FieldError(pointer, "No dataset with id '" + id + "'."));
        }
    }

    @Override
    public Optional<String> usedBy(String tenantId, String datasetId) {
        // A tenant has few jobs waiting or running; its validation dataset is kept with the hyperparameters.
        for (FineTuneJobEntity job : rows().active(tenantId)) {
            if (datasetId.equals(job.datasetId)) {
                return Optional.of("fine-tuning job " + job.id + " is " + job.status + " on it.");
            }
            if (job.hyperparameters != null && datasetId.equals(job.hyperparameters.get("validationDataset"))) {
                return Optional.of("fine-tuning job " + job.id + " is " + job.status + " with it as its validation dataset.");
            }
        }
        return Optional.empty();
    }
}
