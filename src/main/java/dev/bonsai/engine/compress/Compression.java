package dev.bonsai.engine.compress;

import dev.bonsai.engine.BaseModel;
import dev.bonsai.engine.graph.ClassifierExport;
import dev.bonsai.engine.graph.ClassifierGraph;
import dev.bonsai.engine.graph.TransformerWeights;
import dev.bonsai.engine.runtime.ClassifierRunner;
import dev.bonsai.engine.text.TextTokenizer;
import dev.bonsai.engine.train.Checkpoints;
import dev.bonsai.engine.train.EncoderTrainer;
import dev.bonsai.engine.train.HeadTrainer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Applies compression recipes to a fine-tuned classifier. A recipe is a chain of steps joined by
 * {@code +}, in this order: {@code layer-drop:K} (keep K layers, then distil from the original)
 * or {@code structured-pruning:P} (keep P percent of each layer's attention heads and
 * feed-forward neurons, then distil),
 * {@code vocabulary-pruning}, then one of {@code int8-dynamic}, {@code int8-static} or
 * {@code fp16}. Intermediate results are shared between the recipes of one instance, so
 * {@code layer-drop:3+int8-dynamic} after {@code layer-drop:3} does not distil again.
 */
public final class Compression {

    public static final String LAYER_DROP = "layer-drop";
    public static final String VOCABULARY_PRUNING = "vocabulary-pruning";
    public static final String INT8_DYNAMIC = "int8-dynamic";
    public static final String FP16 = "fp16";
    public static final String INT8_STATIC = "int8-static";
    public static final String STRUCTURED_PRUNING = "structured-pruning";

    /**
     * The tenant's data and the model being compressed. {@code vocabularyTexts} are the texts the
     * pruned vocabulary is built from: training and validation texts, never the test split, whose
     * figures would otherwise not show what pruning costs on text it has not seen.
     */
    public record Source(BaseModel model, byte[] original, byte[] baseTokenizerJson, int maxLength, List<String> trainTexts,
            int[] trainLabels, List<String> validationTexts, int[] validationLabels, List<String> vocabularyTexts,
            long seed) {
    }

    /** A compressed graph with the tokenizer it must be run with, and what was done. */
    public record Variant(String recipe, byte[] graph, byte[] tokenizerJson, Map<String, String> details) {
    }

    /** Told of each step as it starts, for progress. */
    public interface Listener {
        void step(String recipe, String step, String message);

        /** Distillation epochs, as fine-tuning reports them. */
        default void epoch(String recipe, HeadTrainer.Epoch epoch, int total) {
        }

        /** Distillation training steps, {@code step} of {@code total} over all its epochs, for progress. */
        default void trainingStep(String recipe, long step, long total) {
        }
    }

    /**
     * One step of a recipe, parsed. {@code keep} is what the step keeps: the number of layers of
     * {@code layer-drop:K}, the percentage of heads and neurons of {@code structured-pruning:P};
     * 0 for a technique that takes no number.
     */
    public record Step(String technique, int keep) {
        @Override
        public String toString() {
            return technique.equals(LAYER_DROP) || technique.equals(STRUCTURED_PRUNING) ? technique + ":" + keep : technique;
        }
    }

    private final Source source;
    private final Listener listener;
    private final BooleanSupplier cancelled;
    private final Map<String, Variant> done = new HashMap<>();

    public Compression(Source source, Listener listener, BooleanSupplier cancelled) {
        this.source = source;
        this.listener = listener;
        this.cancelled = cancelled;
    }

    /**
     * The steps of {@code recipe}, checked: known techniques, in order, each once; a message
     * saying what is wrong otherwise.
     */
    public static List<Step> parse(String recipe, int modelLayers) {
        List<Step> steps = new ArrayList<>();
        int lastRank = -1;
        for (String part : recipe.trim().split("\\+", -1)) {
            String name = part.trim();
            Step step;
            if (name.isEmpty()) {
                throw new IllegalArgumentException("'" + recipe + "': a recipe is techniques joined by '+', with none left empty");
            }
            if (name.startsWith(LAYER_DROP + ":")) {
                int layers;
                try {
                    layers = Integer.parseInt(name.substring(LAYER_DROP.length() + 1));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("'" + name + "': the number of layers to keep must be an integer");
                }
                if (layers < 1 || layers >= modelLayers) {
                    throw new IllegalArgumentException("'" + name + "': keep between 1 and " + (modelLayers - 1) + " of the "
                            + modelLayers + " layers");
                }
                step = new Step(LAYER_DROP, layers);
            } else if (name.startsWith(STRUCTURED_PRUNING + ":")) {
                int percent;
                try {
                    percent = Integer.parseInt(name.substring(STRUCTURED_PRUNING.length() + 1));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("'" + name + "': the percentage to keep must be an integer");
                }
                if (percent < 5 || percent > 95) {
                    throw new IllegalArgumentException("'" + name + "': keep between 5 and 95 percent");
                }
                step = new Step(STRUCTURED_PRUNING, percent);
            } else if (name.equals(VOCABULARY_PRUNING) || name.equals(INT8_DYNAMIC) || name.equals(INT8_STATIC)
                    || name.equals(FP16)) {
                step = new Step(name, 0);
            } else {
                throw new IllegalArgumentException("'" + name + "' is not a technique: use " + LAYER_DROP + ":K, "
                        + STRUCTURED_PRUNING + ":P, " + VOCABULARY_PRUNING + ", " + INT8_DYNAMIC + ", " + INT8_STATIC + " or " + FP16);
            }
            int rank = rank(step.technique());
            if (rank <= lastRank) {
                throw new IllegalArgumentException("'" + recipe + "': steps go in the order " + LAYER_DROP + " or "
                        + STRUCTURED_PRUNING + ", " + VOCABULARY_PRUNING + ", then one of " + INT8_DYNAMIC + ", " + INT8_STATIC
                        + " or " + FP16);
            }
            lastRank = rank;
            steps.add(step);
        }
        return steps;
    }

    private static int rank(String technique) {
        return switch (technique) {
            case LAYER_DROP, STRUCTURED_PRUNING -> 0;
            case VOCABULARY_PRUNING -> 1;
            default -> 2;
        };
    }

    /** The recipe written the canonical way. */
    public static String canonical(List<Step> steps) {
        return String.join("+", steps.stream().map(Step::toString).toList());
    }

    public Variant apply(String recipe) {
        List<Step> steps = parse(recipe, TransformerWeights.read(ClassifierGraph.split(source.original()).encoderGraph())
                .layers());
        Variant current = new Variant("original", source.original(), source.baseTokenizerJson(), new LinkedHashMap<>());
        List<Step> applied = new ArrayList<>();
        for (Step step : steps) {
            applied.add(step);
            String key = canonical(applied);
            Variant previous = current;
            current = done.computeIfAbsent(key, k -> applyStep(k, previous, step));
        }
        return current;
    }

    private Variant applyStep(String recipe, Variant input, Step step) {
        if (cancelled.getAsBoolean()) {
            throw new HeadTrainer.CancelledException();
        }
        Map<String, String> details = new LinkedHashMap<>(input.details());
        return switch (step.technique()) {
            case LAYER_DROP -> distil(recipe, input, step.keep(), details);
            case STRUCTURED_PRUNING -> prune(recipe, input, step.keep(), details);
            case VOCABULARY_PRUNING -> {
                listener.step(recipe, VOCABULARY_PRUNING, "Pruning the vocabulary to the tokens of the training and"
                        + " validation texts, keeping every single-character piece so that new words are still split.");
                BitSet used = VocabularyPruning.characterPieces(input.tokenizerJson());
                try (TextTokenizer tokenizer = TextTokenizer.open(source.model())) {
                    for (String text : source.vocabularyTexts()) {
                        for (long id : tokenizer.ids(text)) {
                            used.set((int) id);
                        }
                    }
                }
                VocabularyPruning.Result pruned = VocabularyPruning.prune(input.graph(), input.tokenizerJson(), used,
                        source.maxLength());
                details.put("vocabulary", pruned.vocabularyAfter() + " of " + pruned.vocabularyBefore() + " tokens kept");
                if (pruned.positionsAfter() < pruned.positionsBefore()) {
                    details.put("positions", pruned.positionsAfter() + " of " + pruned.positionsBefore()
                            + " positions kept (the maximum sequence length)");
                }
                yield new Variant(recipe, pruned.graph(), pruned.tokenizerJson(), details);
            }
            case INT8_DYNAMIC -> {
                listener.step(recipe, INT8_DYNAMIC, "Quantizing the weights to int8 (dynamic activations).");
                DynamicQuantization.Result quantized = DynamicQuantization.quantize(input.graph());
                details.put("int8", quantized.report().matMulsQuantized() + " MatMuls quantized per column"
                        + (quantized.report().embeddingsQuantized() ? ", word and position embeddings quantized per row" : ""));
                yield new Variant(recipe, quantized.graph(), input.tokenizerJson(), details);
            }
            case INT8_STATIC -> {
                listener.step(recipe, INT8_STATIC, "Calibrating activation ranges on the training texts and quantizing"
                        + " to int8.");
                StaticQuantization.Result quantized = StaticQuantization.quantize(input.graph(), input.tokenizerJson(),
                        source.maxLength(), source.trainTexts());
                details.put("int8", quantized.matMulsQuantized() + " MatMuls quantized per column with activation ranges"
                        + " calibrated on " + quantized.calibrationTexts() + " training texts; word and position embeddings per row");
                yield new Variant(recipe, quantized.graph(), input.tokenizerJson(), details);
            }
            case FP16 -> {
                listener.step(recipe, FP16, "Storing the weights as fp16.");
                Fp16Weights.Result converted = Fp16Weights.convert(input.graph());
                details.put("fp16", converted.tensorsConverted() + " weight tensors stored as fp16");
                yield new Variant(recipe, converted.graph(), input.tokenizerJson(), details);
            }
            default -> throw new IllegalStateException(step.technique());
        };
    }

    /** Keeps {@code layers} layers evenly spread and distils them from the original classifier. */
    private Variant distil(String recipe, Variant input, int layers, Map<String, String> details) {
        ClassifierGraph.Parts teacher = ClassifierGraph.split(source.original());
        int modelLayers = TransformerWeights.read(teacher.encoderGraph()).layers();
        int[] kept = LayerDropping.evenlySpread(modelLayers, layers);
        listener.step(recipe, LAYER_DROP, "Keeping layers " + LayerDropping.asList(kept) + " of " + modelLayers
                + " and distilling them from the fine-tuned model.");
        byte[] student = LayerDropping.keepLayers(teacher.encoderGraph(), kept);
        return train(recipe, input, teacher, student, layers, details, "layers", "kept " + LayerDropping.asList(kept)
                + " of " + modelLayers);
    }

    /** Prunes each layer's heads and feed-forward neurons to {@code percent} and recovers by distillation. */
    private Variant prune(String recipe, Variant input, int percent, Map<String, String> details) {
        ClassifierGraph.Parts teacher = ClassifierGraph.split(source.original());
        StructuredPruning.Result pruned = StructuredPruning.prune(teacher.encoderGraph(), percent / 100.0);
        listener.step(recipe, STRUCTURED_PRUNING, "Keeping the " + percent + "% most important attention heads and"
                + " feed-forward neurons of each layer and recovering by distillation from the fine-tuned model.");
        int layers = TransformerWeights.read(teacher.encoderGraph()).layers();
        return train(recipe, input, teacher, pruned.graph(), layers, details, "pruning", "kept " + pruned.headsAfter()
                + " of " + pruned.headsBefore() + " attention heads and " + pruned.neuronsAfter() + " of "
                + pruned.neuronsBefore() + " feed-forward neurons");
    }

    /** Distils {@code student} (all its layers trainable) and its head from the original classifier. */
    private Variant train(String recipe, Variant input, ClassifierGraph.Parts teacherParts, byte[] student,
            int trainableLayers, Map<String, String> details, String key, String what) {
        ClassifierRunner.Output teacherOutput;
        try (ClassifierRunner teacher = ClassifierRunner.open(source.original(), source.baseTokenizerJson(),
                source.maxLength(), 1)) {
            teacherOutput = teacher.runAll(source.trainTexts(), 32);
        }
        float[][] logProbabilities = new float[teacherOutput.probabilities().length][];
        for (int i = 0; i < logProbabilities.length; i++) {
            float[] row = teacherOutput.probabilities()[i];
            logProbabilities[i] = new float[row.length];
            for (int c = 0; c < row.length; c++) {
                logProbabilities[i][c] = (float) Math.log(Math.max(row[c], 1e-12f));
            }
        }
        EncoderTrainer.Teacher teacher = new EncoderTrainer.Teacher(logProbabilities, teacherOutput.embeddings(),
                DISTILLATION_TEMPERATURE, 0.5, 1.0);
        double[] weights = new double[teacherParts.labels().size()];
        java.util.Arrays.fill(weights, 1.0);
        EncoderTrainer.Settings hyperparameters = new EncoderTrainer.Settings(DISTILLATION_EPOCHS, 16,
                DISTILLATION_LEARNING_RATE, 0.01, EncoderTrainer.DROPOUT, source.seed(), 2, trainableLayers, source.maxLength(), weights);
        EncoderTrainer.Result result = new EncoderTrainer().distill(source.model(), student, teacher, source.trainTexts(),
                source.trainLabels(), source.validationTexts(), source.validationLabels(), teacherParts.labels(),
                teacherParts.head(), hyperparameters, (epoch, total) -> listener.epoch(recipe, epoch, total),
                (step, total) -> listener.trainingStep(recipe, step, total), cancelled, Checkpoints.NONE);
        Map<String, String> metadata = new LinkedHashMap<>(teacherParts.metadata());
        byte[] graph = ClassifierExport.export(result.encoderGraph(), source.model(), result.head(), teacherParts.labels(),
                metadata);
        details.put(key, what + ", distilled for " + result.epochs().size() + " epochs (best " + result.bestEpoch()
                + ", temperature " + DISTILLATION_TEMPERATURE + ", learning rate " + DISTILLATION_LEARNING_RATE + ")");
        return new Variant(recipe, graph, input.tokenizerJson(), details);
    }

    static final double DISTILLATION_TEMPERATURE = 2.0;
    static final double DISTILLATION_LEARNING_RATE = 5e-5;
    static final int DISTILLATION_EPOCHS = 3;
}
