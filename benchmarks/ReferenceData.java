// Writes out what benchmarks/reference_fine_tune.py needs to fine-tune a base model in PyTorch on
// exactly the rows benchmarks/FineTune.java trains, validates and tests on. Run through
// benchmarks/reference-fine-tune.sh.
//
//   java -cp <classpath> benchmarks/ReferenceData.java TRAIN.csv TEST.csv SAMPLE_SIZE BASE_MODEL OUT_DIR
//
// The sample and the split are FineTune's (seeded stratified sample of SAMPLE_SIZE rows, 0 for all,
// then a stratified tenth held out for validation, seed 42). OUT_DIR receives data.json (the base
// model's shape and pooling, the labels, and each split's token ids, untruncated, from the model's
// own tokenizer) and weights/, the base model's weights as little-endian float32, one file per role.

import dev.bonsai.dataset.LabelledTextFile;
import dev.bonsai.engine.BaseModel;
import dev.bonsai.engine.graph.TransformerWeights;
import dev.bonsai.engine.text.TextTokenizer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

public class ReferenceData {

    public static void main(String[] args) throws Exception {
        List<LabelledTextFile.LabelledText> train = LabelledTextFile.read(Path.of(args[0]));
        List<LabelledTextFile.LabelledText> test = LabelledTextFile.read(Path.of(args[1]));
        int sampleSize = Integer.parseInt(args[2]);
        BaseModel model = BaseModel.byId(args[3]).orElseThrow();
        Path out = Path.of(args[4]);
        long seed = 42;
        if (sampleSize > 0 && sampleSize < train.size()) {
            train = LabelledTextFile.stratifiedSample(train, sampleSize, seed);
        }
        List<String> labels = train.stream().map(LabelledTextFile.LabelledText::label).distinct().sorted().toList();
        List<List<LabelledTextFile.LabelledText>> parts = LabelledTextFile.stratifiedSplit(train, 0.1, seed);

        TransformerWeights weights = TransformerWeights.read(model.readGraph());
        Path weightDirectory = out.resolve("weights");
        Files.createDirectories(weightDirectory);
        StringBuilder shapes = new StringBuilder();
        for (String role : weights.roles()) {
            float[] values = weights.get(role).values();
            ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            buffer.asFloatBuffer().put(values);
            Files.write(weightDirectory.resolve(role + ".f32"), buffer.array());
            shapes.append(shapes.length() == 0 ? "" : ", ").append('"').append(role).append("\": ")
                    .append(Arrays.toString(weights.get(role).shape()));
        }
        try (TextTokenizer tokenizer = TextTokenizer.open(model)) {
            String json = "{\n"
                    + "  \"baseModel\": \"" + model.id() + "\",\n"
                    + "  \"pooling\": \"" + model.pooling() + "\",\n"
                    + "  \"layers\": " + weights.layers() + ",\n"
                    + "  \"headSize\": " + weights.headSize() + ",\n"
                    + "  \"layerNormEpsilon\": " + weights.epsilon() + ",\n"
                    + "  \"labels\": [" + labels.stream().map(label -> "\"" + label.replace("\"", "\\\"") + "\"")
                            .collect(Collectors.joining(", ")) + "],\n"
                    + "  \"shapes\": {" + shapes + "},\n"
                    + "  \"train\": " + split(tokenizer, parts.get(0), labels) + ",\n"
                    + "  \"validation\": " + split(tokenizer, parts.get(1), labels) + ",\n"
                    + "  \"test\": " + split(tokenizer, test, labels) + "\n"
                    + "}\n";
            Files.writeString(out.resolve("data.json"), json);
        }
        System.out.printf("%s: %d training, %d validation, %d test rows written to %s%n", model.id(), parts.get(0).size(),
                parts.get(1).size(), test.size(), out);
    }

    static String split(TextTokenizer tokenizer, List<LabelledTextFile.LabelledText> rows, List<String> labels) {
        String ids = rows.stream().map(row -> Arrays.toString(tokenizer.ids(row.text()))).collect(Collectors.joining(", "));
        String y = rows.stream().map(row -> Integer.toString(labels.indexOf(row.label()))).collect(Collectors.joining(", "));
        return "{\"ids\": [" + ids + "], \"labels\": [" + y + "]}";
    }
}
