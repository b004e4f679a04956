// Vocabulary pruning on text it never saw: a head-method classifier trained on a sample of a training
// file, its vocabulary pruned to the training rows' tokens alone, and to those plus every
// single-character piece (what compression jobs keep), and to those plus the commonest words of the
// base vocabulary (English BERT vocabularies only), each measured on the test file: bytes,
// accuracy, texts split differently and new [UNK] tokens. One thread.
//
//   java -cp <classpath> benchmarks/VocabularyCoverage.java TRAIN.csv TEST.csv SAMPLE_SIZE BASE_MODEL [MAX_LENGTH]
//
// The training rows are split 90/10 as FineTune.java splits them (seed 42); the head selects its epoch
// on the 10%. The test file is read once, for the figures printed.

import dev.bonsai.dataset.LabelledTextFile;
import dev.bonsai.engine.BaseModel;
import dev.bonsai.engine.compress.VocabularyPruning;
import dev.bonsai.engine.evaluate.ClassificationMetrics;
import dev.bonsai.engine.graph.ClassifierExport;
import dev.bonsai.engine.runtime.ClassifierRunner;
import dev.bonsai.engine.runtime.Encoder;
import dev.bonsai.engine.text.TextTokenizer;
import dev.bonsai.engine.text.TokenizationChange;
import dev.bonsai.engine.train.HeadTrainer;
import dev.bonsai.engine.train.SoftmaxHead;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;
import java.util.Map;

public class VocabularyCoverage {

    public static void main(String[] args) throws Exception {
        List<LabelledTextFile.LabelledText> train = LabelledTextFile.read(Path.of(args[0]));
        List<LabelledTextFile.LabelledText> test = LabelledTextFile.read(Path.of(args[1]));
        int sampleSize = Integer.parseInt(args[2]);
        BaseModel model = BaseModel.byId(args[3]).orElseThrow();
        int maxLength = args.length > 4 ? Integer.parseInt(args[4]) : 128;
        long seed = 42;
        if (sampleSize > 0 && sampleSize < train.size()) {
            train = LabelledTextFile.stratifiedSample(train, sampleSize, seed);
        }
        List<List<LabelledTextFile.LabelledText>> parts = LabelledTextFile.stratifiedSplit(train, 0.1, seed);
        List<String> labels = train.stream().map(LabelledTextFile.LabelledText::label).distinct().sorted().toList();
        byte[] graph = model.readGraph();
        byte[] tokenizerJson;
        try (InputStream json = BaseModel.class.getClassLoader().getResourceAsStream(model.tokenizerResource())) {
            tokenizerJson = json.readAllBytes();
        }
        float[][] fitX;
        float[][] validationX;
        try (Encoder encoder = Encoder.open(model, graph, new Encoder.Options(1, 32, maxLength))) {
            fitX = encoder.embed(texts(parts.get(0)));
            validationX = encoder.embed(texts(parts.get(1)));
        }
        int[] fitY = indexes(parts.get(0), labels);
        int[] validationY = indexes(parts.get(1), labels);
        HeadTrainer.Result head = new HeadTrainer().train(fitX, fitY, validationX, validationY, labels,
                HeadTrainer.resolve(null, null, null, seed, null, null, fitY, labels.size()), (epoch, total) -> { }, () -> false);
        byte[] classifier = ClassifierExport.export(graph, model, head.head(), labels, Map.of("bonsai.baseModel", model.id()));

        BitSet datasetTokens = new BitSet();
        try (TextTokenizer tokenizer = TextTokenizer.open(model)) {
            for (LabelledTextFile.LabelledText row : train) {
                for (long id : tokenizer.ids(row.text())) {
                    datasetTokens.set((int) id);
                }
            }
        }
        BitSet withCharacters = (BitSet) datasetTokens.clone();
        withCharacters.or(VocabularyPruning.characterPieces(tokenizerJson));
        // BERT's English WordPiece vocabulary lists its whole words by frequency after the special and
        // single-character entries (id 1996 is "the"): the first N of them are the language's commonest.
        int firstWord = 1996;
        BitSet common5k = (BitSet) withCharacters.clone();
        common5k.set(0, firstWord + 5_000);
        BitSet common10k = (BitSet) withCharacters.clone();
        common10k.set(0, firstWord + 10_000);

        List<String> testTexts = texts(test);
        int[] truth = indexes(test, labels);
        System.out.printf("%s, %d training rows (%d fit, %d validation), %d test rows, max length %d, one thread%n",
                model.id(), train.size(), parts.get(0).size(), parts.get(1).size(), test.size(), maxLength);
        System.out.println("| vocabulary | tokens kept | graph bytes | test accuracy | delta | test texts split differently | new [UNK] of test tokens |");
        System.out.println("|---|---|---|---|---|---|---|");
        double base = accuracy(classifier, tokenizerJson, maxLength, testTexts, truth, labels);
        System.out.printf("| full (%s) | %,d | %,d | %.4f | — | — | — |%n", model.id(),
                new com.fasterxml.jackson.databind.ObjectMapper().readTree(tokenizerJson).path("model").path("vocab").size(),
                classifier.length, base);
        for (Object[] policy : new Object[][] {{"training rows' tokens", datasetTokens},
            {"training rows' tokens + single-character pieces", withCharacters},
            {"the above + the 5,000 commonest words (ids below 6,996)", common5k},
            {"the above + the 10,000 commonest words (ids below 11,996)", common10k}}) {
            VocabularyPruning.Result pruned = VocabularyPruning.prune(classifier, tokenizerJson, (BitSet) policy[1], maxLength);
            double accuracy = accuracy(pruned.graph(), pruned.tokenizerJson(), maxLength, testTexts, truth, labels);
            TokenizationChange.Report change = TokenizationChange.measure(tokenizerJson, pruned.tokenizerJson(), maxLength,
                    testTexts);
            System.out.printf("| %s | %,d | %,d | %.4f | %+.4f | %d / %d (%.1f%%) | %d / %d (%.2f%%) |%n", policy[0],
                    pruned.vocabularyAfter(), pruned.graph().length, accuracy, accuracy - base, change.changedTexts(),
                    change.texts(), 100 * change.changedTextShare(), change.newUnknownTokens(), change.tokens(),
                    100 * change.newUnknownShare());
        }
    }

    static double accuracy(byte[] graph, byte[] tokenizer, int maxLength, List<String> texts, int[] truth, List<String> labels) {
        try (ClassifierRunner runner = ClassifierRunner.open(graph, tokenizer, maxLength, 1)) {
            return ClassificationMetrics.of(truth, SoftmaxHead.argmax(runner.probabilities(texts, 32)), labels).accuracy();
        }
    }

    static List<String> texts(List<LabelledTextFile.LabelledText> rows) {
        return rows.stream().map(LabelledTextFile.LabelledText::text).toList();
    }

    static int[] indexes(List<LabelledTextFile.LabelledText> rows, List<String> labels) {
        return rows.stream().mapToInt(row -> labels.indexOf(row.label())).toArray();
    }
}
