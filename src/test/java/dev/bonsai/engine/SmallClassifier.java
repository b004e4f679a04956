package dev.bonsai.engine;

import dev.bonsai.engine.compress.Compression;
import dev.bonsai.engine.graph.ClassifierExport;
import dev.bonsai.engine.runtime.Encoder;
import dev.bonsai.engine.text.TextTokenizer;
import dev.bonsai.engine.train.HeadTrainer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * all-MiniLM-L6-v2 with a head trained on the first 45 sentences of {@link SmallDataset}, made once
 * per test JVM and shared by the engine tests that compress or run a classifier.
 */
public final class SmallClassifier {

    public static final BaseModel MODEL = BaseModel.ALL_MINILM_L6_V2;
    public static final int MAX_LENGTH = 32;
    static final int TRAIN = 45;

    private static SmallClassifier instance;

    public final SmallDataset data = new SmallDataset();
    public final byte[] encoderGraph;
    public final byte[] tokenizerJson;
    public final byte[] classifier;
    public final int[] testY;

    private SmallClassifier() {
        try (InputStream onnx = TextTokenizer.resource(MODEL.onnxResource());
                InputStream json = TextTokenizer.resource(MODEL.tokenizerResource())) {
            encoderGraph = onnx.readAllBytes();
            tokenizerJson = json.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        float[][] trainX;
        float[][] testX;
        try (Encoder encoder = Encoder.open(MODEL, encoderGraph, new Encoder.Options(1, 32, MAX_LENGTH))) {
            trainX = encoder.embed(data.texts.subList(0, TRAIN));
            testX = encoder.embed(data.texts.subList(TRAIN, data.texts.size()));
        }
        testY = data.labelArray(TRAIN, data.texts.size());
        int[] trainY = data.labelArray(0, TRAIN);
        HeadTrainer.Result head = new HeadTrainer().train(trainX, trainY, testX, testY, SmallDataset.LABELS,
                HeadTrainer.resolve(null, null, null, 5L, null, null, trainY, 3), (epoch, total) -> { }, () -> false);
        classifier = ClassifierExport.export(encoderGraph, MODEL, head.head(), SmallDataset.LABELS,
                Map.of("bonsai.baseModel", MODEL.id()));
    }

    public static synchronized SmallClassifier get() {
        if (instance == null) {
            instance = new SmallClassifier();
        }
        return instance;
    }

    public List<String> trainTexts() {
        return data.texts.subList(0, TRAIN);
    }

    public List<String> testTexts() {
        return data.texts.subList(TRAIN, data.texts.size());
    }

    /**
     * A compression of this classifier that distils and builds its vocabulary on the training
     * sentences only, and selects distillation epochs on the rest (no test split here).
     */
    public Compression compression(Compression.Listener listener) {
        return new Compression(new Compression.Source(MODEL, classifier, tokenizerJson, MAX_LENGTH, trainTexts(),
                data.labelArray(0, TRAIN), testTexts(), testY, trainTexts(), 3L), listener, () -> false);
    }
}
