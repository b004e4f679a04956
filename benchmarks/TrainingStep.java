// One full fine-tuning step of the engine, written out so that benchmarks/training_step.py can take
// the same step in PyTorch and compare. Run through benchmarks/training-step.sh.
//
//   java -cp <classpath> benchmarks/TrainingStep.java TEXTS.csv ROWS OUT_DIR [BASE_MODEL] [MAX_LENGTH] [TIMED_RUNS]
//
// The first ROWS rows of TEXTS.csv are the batch. The head is trained on the frozen embeddings of
// the 256 rows after them first, as a job warms it up before full fine-tuning; then OneTrainingStep.step takes one step
// (learning rate 2e-5, weight decay 0.01, gradients clipped to norm 1) and times TIMED_RUNS more
// forward and backward passes. OUT_DIR receives step.json (tokens, labels, loss, settings, timings)
// and little-endian float32 files: base/ (the weights before), gradient/ and updated/, one per role.

import ai.djl.engine.Engine;
import dev.bonsai.dataset.LabelledTextFile;
import dev.bonsai.engine.BaseModel;
import dev.bonsai.engine.graph.TransformerWeights;
import dev.bonsai.engine.runtime.Encoder;
import dev.bonsai.engine.train.HeadTrainer;
import dev.bonsai.engine.train.OneTrainingStep;
import dev.bonsai.engine.train.SoftmaxHead;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

public class TrainingStep {

    /** The head is warmed up on this many rows after the batch, so the step's loss is a realistic one. */
    static final int HEAD_ROWS = 256;

    public static void main(String[] args) throws Exception {
        List<LabelledTextFile.LabelledText> all = LabelledTextFile.read(Path.of(args[0]));
        int batch = Integer.parseInt(args[1]);
        List<LabelledTextFile.LabelledText> rows = all.subList(0, batch);
        List<LabelledTextFile.LabelledText> headRows = all.subList(batch, Math.min(all.size(), batch + HEAD_ROWS));
        Path out = Path.of(args[2]);
        BaseModel model = BaseModel.byId(args.length > 3 ? args[3] : "all-minilm-l6-v2").orElseThrow();
        int maxLength = args.length > 4 ? Integer.parseInt(args[4]) : 64;
        int timedRuns = args.length > 5 ? Integer.parseInt(args[5]) : 10;
        double learningRate = 2e-5;
        double weightDecay = 0.01;

        List<String> texts = rows.stream().map(LabelledTextFile.LabelledText::text).toList();
        List<String> labels = all.stream().map(LabelledTextFile.LabelledText::label).distinct().sorted().toList();
        int[] y = rows.stream().mapToInt(row -> labels.indexOf(row.label())).toArray();
        int[] headY = headRows.stream().mapToInt(row -> labels.indexOf(row.label())).toArray();
        double[] classWeights = new double[labels.size()];
        Arrays.fill(classWeights, 1.0);
        byte[] graph = model.readGraph();
        float[][] x;
        try (Encoder encoder = Encoder.open(model, new Encoder.Options(1, 32, maxLength))) {
            x = encoder.embed(headRows.stream().map(LabelledTextFile.LabelledText::text).toList());
        }
        HeadTrainer.Settings headSettings = HeadTrainer.resolve(null, null, null, 42L, null, classWeights, headY,
                labels.size());
        SoftmaxHead head = new HeadTrainer().train(x, headY, x, headY, labels, headSettings, (epoch, total) -> { },
                () -> false).head();

        OneTrainingStep.Step step = OneTrainingStep.step(model, graph, head, texts, y, classWeights, maxLength, learningRate,
                weightDecay, timedRuns);

        Map<String, long[]> shapes = new LinkedHashMap<>();
        Map<String, float[]> base = new LinkedHashMap<>();
        TransformerWeights weights = TransformerWeights.read(graph);
        for (String role : weights.roles()) {
            shapes.put(role, weights.get(role).shape());
            base.put(role, weights.get(role).values());
        }
        shapes.put("head.weight", new long[] {head.dimensions(), head.classes()});
        base.put("head.weight", flatten(head.weights()));
        shapes.put("head.bias", new long[] {head.classes()});
        base.put("head.bias", head.bias());
        write(out.resolve("base"), base);
        write(out.resolve("gradient"), step.gradients());
        write(out.resolve("updated"), step.updated());

        double[] millis = step.forwardBackwardMillis().clone();
        Arrays.sort(millis);
        double median = millis.length == 0 ? Double.NaN : millis[millis.length / 2];
        String json = "{\n"
                + "  \"baseModel\": \"" + model.id() + "\",\n"
                + "  \"pooling\": \"" + model.pooling() + "\",\n"
                + "  \"layers\": " + weights.layers() + ",\n"
                + "  \"headSize\": " + weights.headSize() + ",\n"
                + "  \"layerNormEpsilon\": " + weights.epsilon() + ",\n"
                + "  \"learningRate\": " + learningRate + ",\n"
                + "  \"weightDecay\": " + weightDecay + ",\n"
                + "  \"maxGradientNorm\": 1.0,\n"
                + "  \"labels\": " + Arrays.toString(y) + ",\n"
                + "  \"classWeights\": " + Arrays.toString(classWeights) + ",\n"
                + "  \"tokenIds\": " + matrix(step.tokenIds()) + ",\n"
                + "  \"attentionMask\": " + matrix(step.attentionMask()) + ",\n"
                + "  \"tokenTypes\": " + matrix(step.tokenTypes()) + ",\n"
                + "  \"loss\": " + step.loss() + ",\n"
                + "  \"gradientNorm\": " + step.gradientNorm() + ",\n"
                + "  \"forwardBackwardMillis\": " + Arrays.toString(step.forwardBackwardMillis()) + ",\n"
                + "  \"shapes\": {" + shapes.entrySet().stream()
                        .map(e -> "\"" + e.getKey() + "\": " + Arrays.toString(e.getValue()))
                        .collect(Collectors.joining(", ")) + "}\n"
                + "}\n";
        Files.writeString(out.resolve("step.json"), json);
        System.out.printf("engine (PyTorch %s through DJL): batch %d x %d tokens, loss %.6f, gradient norm %.6f, forward+backward median %.1f ms"
                + " over %d runs%n", Engine.getEngine("PyTorch").getVersion(), step.tokenIds().length,
                step.tokenIds()[0].length, step.loss(), step.gradientNorm(), median, millis.length);
        System.out.println("written to " + out);
    }

    static void write(Path directory, Map<String, float[]> arrays) throws IOException {
        Files.createDirectories(directory);
        for (Map.Entry<String, float[]> entry : arrays.entrySet()) {
            ByteBuffer buffer = ByteBuffer.allocate(entry.getValue().length * 4).order(ByteOrder.LITTLE_ENDIAN);
            buffer.asFloatBuffer().put(entry.getValue());
            Files.write(directory.resolve(entry.getKey() + ".f32"), buffer.array());
        }
    }

    static float[] flatten(float[][] matrix) {
        float[] flat = new float[matrix.length * matrix[0].length];
        for (int i = 0; i < matrix.length; i++) {
            System.arraycopy(matrix[i], 0, flat, i * matrix[0].length, matrix[0].length);
        }
        return flat;
    }

    static String matrix(long[][] rows) {
        return Arrays.stream(rows).map(Arrays::toString).collect(Collectors.joining(", ", "[", "]"));
    }
}
