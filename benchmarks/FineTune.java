// Fine-tuning benchmark on a real dataset, one thread, the same engine code the jobs run.
// Run through benchmarks/fine-tune.sh, which builds the classpath.
//
//   java -cp <classpath> benchmarks/FineTune.java TRAIN.csv TEST.csv SAMPLE_SIZE BASE_MODEL METHOD [MAX_LENGTH] [EPOCHS]
//        [LEARNING_RATE] [OUTPUT.onnx]
//
// With OUTPUT.onnx the trained classifier is exported there (benchmarks/compression.sh compresses it).
//
// METHOD is head (frozen encoder, softmax head) or full (the head is warmed up on frozen embeddings,
// then all layers are trained with it, batch 16, learning rate LEARNING_RATE, default 5e-5 as in jobs). SAMPLE_SIZE 0 uses the whole
// training file; otherwise a seeded stratified sample of that size. 10% of the (sampled) training
// rows, stratified, are held out for validation and early stopping. MAX_LENGTH defaults to "auto",
// chosen as a job chooses it (the shortest multiple of 16 that holds 99% of the training texts).

import dev.bonsai.dataset.LabelledTextFile;
import dev.bonsai.engine.BaseModel;
import dev.bonsai.engine.evaluate.ClassificationMetrics;
import dev.bonsai.engine.graph.ClassifierExport;
import dev.bonsai.engine.runtime.Encoder;
import dev.bonsai.engine.text.TextTokenizer;
import dev.bonsai.engine.train.EncoderTrainer;
import dev.bonsai.engine.train.HeadTrainer;
import dev.bonsai.engine.train.SoftmaxHead;
import java.nio.file.Path;
import java.util.List;

public class FineTune {

    public static void main(String[] args) throws Exception {
        Path trainFile = Path.of(args[0]);
        Path testFile = Path.of(args[1]);
        int sampleSize = Integer.parseInt(args[2]);
        BaseModel model = BaseModel.byId(args[3]).orElseThrow();
        String method = args[4];
        String length = args.length > 5 ? args[5] : "auto";
        int epochs = args.length > 6 ? Integer.parseInt(args[6]) : 3;
        double learningRate = args.length > 7 ? Double.parseDouble(args[7]) : EncoderTrainer.LEARNING_RATE;
        Path output = args.length > 8 ? Path.of(args[8]) : null;
        long seed = 42;
        // The sample and the split always use seed 42; -DtrainingSeed=N changes only the training's
        // own randomness (batch order, head initialisation), to see how much a result owes to it.
        long trainingSeed = Long.getLong("trainingSeed", seed);
        // -Ddropout=P trains the encoder with another dropout rate than the jobs' (full method).
        double dropout = Double.parseDouble(System.getProperty("dropout", String.valueOf(EncoderTrainer.DROPOUT)));

        List<LabelledTextFile.LabelledText> train = LabelledTextFile.read(trainFile);
        List<LabelledTextFile.LabelledText> test = LabelledTextFile.read(testFile);
        if (sampleSize > 0 && sampleSize < train.size()) {
            train = LabelledTextFile.stratifiedSample(train, sampleSize, seed);
        }
        int maxLength;
        if (length.equals("auto")) {
            // As a job does with maxSequenceLength "auto": 99% of the texts whole, in steps of 16.
            try (TextTokenizer tokenizer = TextTokenizer.open(model)) {
                maxLength = tokenizer.lengthCovering(texts(train), 0.99, 16, model.maxSequenceLength());
            }
            System.out.printf("max length auto: %d tokens%n", maxLength);
        } else {
            maxLength = Integer.parseInt(length);
        }
        List<String> labels = train.stream().map(LabelledTextFile.LabelledText::label).distinct().sorted().toList();
        List<List<LabelledTextFile.LabelledText>> parts = LabelledTextFile.stratifiedSplit(train, 0.1, seed);
        List<LabelledTextFile.LabelledText> fit = parts.get(0);
        List<LabelledTextFile.LabelledText> validation = parts.get(1);

        long start = System.nanoTime();
        float[][] fitX;
        float[][] validationX;
        float[][] testX;
        Encoder.Options options = new Encoder.Options(1, 32, maxLength);
        try (Encoder encoder = Encoder.open(model, options)) {
            fitX = encoder.embed(texts(fit));
            validationX = encoder.embed(texts(validation));
            long embedded = System.nanoTime();
            System.out.printf("embedded %d training rows in %.1f s (%.0f rows/s)%n", fit.size() + validation.size(),
                    (embedded - start) / 1e9, (fit.size() + validation.size()) / ((embedded - start) / 1e9));
            testX = encoder.embed(texts(test));
        }
        long trainStart = System.nanoTime();
        int[] fitY = indexes(fit, labels);
        HeadTrainer.Settings hyperparameters = HeadTrainer.resolve(null, null, null, trainingSeed, null, null, fitY,
                labels.size());
        HeadTrainer.Result result = new HeadTrainer().train(fitX, fitY, validationX, indexes(validation, labels), labels,
                hyperparameters, (epoch, total) -> { }, () -> false);
        long trained = System.nanoTime();
        SoftmaxHead head = result.head();
        System.out.printf("trained the head in %.1f s: %d epochs (best %d), batch %d, learning rate %s%n",
                (trained - trainStart) / 1e9, result.epochs().size(), result.bestEpoch(), hyperparameters.batchSize(),
                hyperparameters.learningRate());
        byte[] encoderGraph = model.readGraph();
        if (method.equals("full")) {
            EncoderTrainer.Settings full = new EncoderTrainer.Settings(epochs, 16, learningRate, 0.01, dropout, trainingSeed, 2,
                    model.layers(), maxLength, hyperparameters.classWeights());
            long fullStart = System.nanoTime();
            EncoderTrainer.Result fullResult = new EncoderTrainer().train(model, encoderGraph, texts(fit), fitY, texts(validation),
                    indexes(validation, labels), labels, head, full, (epoch, total) -> System.out.printf(
                            "  epoch %d/%d: train loss %.4f, validation accuracy %.4f%n", epoch.epoch(), total,
                            epoch.trainLoss(), epoch.validation().accuracy()), () -> false);
            System.out.printf("full fine-tuning: %d epochs (best %d) in %.1f s, %.2f training samples/s (batch 16, max length %d,"
                    + " learning rate %s, dropout %s)%n", fullResult.epochs().size(), fullResult.bestEpoch(),
                    (System.nanoTime() - fullStart) / 1e9, fullResult.samplesPerSecond(), maxLength, learningRate, dropout);
            head = fullResult.head();
            encoderGraph = fullResult.encoderGraph();
            try (Encoder tuned = Encoder.open(model, encoderGraph, options)) {
                testX = tuned.embed(texts(test));
            }
            trained = System.nanoTime();
        }
        if (output != null) {
            java.nio.file.Files.write(output, ClassifierExport.export(encoderGraph, model, head, labels,
                    java.util.Map.of("bonsai.baseModel", model.id(), "bonsai.method", method,
                            "bonsai.hyperparameters", new com.fasterxml.jackson.databind.ObjectMapper()
                                    .writeValueAsString(java.util.Map.of("maxSequenceLength", maxLength)))));
            System.out.println("classifier written to " + output);
        }
        ClassificationMetrics metrics = ClassificationMetrics.of(indexes(test, labels),
                SoftmaxHead.argmax(head.probabilities(testX)), labels);
        System.out.printf("%s %s, %s (%d training rows incl. validation), test %s (%d rows): accuracy %.4f, macro-F1 %.4f%n",
                model.id(), method, trainFile, train.size(), testFile, test.size(), metrics.accuracy(), metrics.macroF1());
        System.out.printf("end to end (embedding training and validation rows, embedding test rows, training): %.1f s%n",
                (trained - start) / 1e9);
    }

    static List<String> texts(List<LabelledTextFile.LabelledText> rows) {
        return rows.stream().map(LabelledTextFile.LabelledText::text).toList();
    }

    static int[] indexes(List<LabelledTextFile.LabelledText> rows, List<String> labels) {
        return rows.stream().mapToInt(row -> labels.indexOf(row.label())).toArray();
    }
}
