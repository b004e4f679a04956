// Embedding fine-tuning benchmark on WikiQA, one thread, the same engine code embedding jobs run.
// Run through benchmarks/embedding-fine-tune.sh, which builds the classpath.
//
//   java -cp <classpath> benchmarks/EmbeddingFineTune.java WIKIQA_DIR BASE_MODEL METHOD [EPOCHS] [LEARNING_RATE]
//
// WIKIQA_DIR holds train.csv (anchor,positive), queries.csv (query_id,text), corpus.csv (doc_id,text) and
// qrels.csv (query_id,doc_id), as ../shared/datasets/wikiqa does. 10% of the training questions (seeded,
// every pair of a question together, as an upload's split is drawn) are held out as validation pairs and
// choose the epoch; the test queries then rank the whole test corpus once, for the base model and for the
// chosen epoch. METHOD is partial (the top third of the layers) or full. Settings are an embedding job's
// defaults: batch 32, learning rate 2e-5, 3 epochs, patience 2, maximum length chosen as a job chooses it.

import dev.bonsai.dataset.DatasetFormat;
import dev.bonsai.dataset.TextRows;
import dev.bonsai.engine.BaseModel;
import dev.bonsai.engine.evaluate.RetrievalMetrics;
import dev.bonsai.engine.runtime.Encoder;
import dev.bonsai.engine.text.TextTokenizer;
import dev.bonsai.engine.train.Checkpoints;
import dev.bonsai.engine.train.ContrastiveTrainer;
import dev.bonsai.engine.train.EncoderTrainer;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

public class EmbeddingFineTune {

    /** Rows of a CSV file as (text, id) pairs of two named columns, read by the upload's own parser. */
    static List<String[]> read(Path file, String first, String second) throws Exception {
        List<String[]> rows = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file);
                TextRows reader = TextRows.open(DatasetFormat.CSV, in, first, second, "column", 1_000_000)) {
            TextRows.TextRow row;
            while ((row = reader.next()) != null) {
                rows.add(new String[] {row.text(), row.id()});
            }
            if (!reader.problems().isEmpty()) {
                throw new IllegalStateException(file + ": " + reader.problems());
            }
        }
        return rows;
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        BaseModel model = BaseModel.byId(args[1]).orElseThrow();
        String method = args[2];
        int epochs = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        double learningRate = args.length > 4 ? Double.parseDouble(args[4]) : ContrastiveTrainer.LEARNING_RATE;
        long seed = 42;

        List<String[]> pairs = read(dir.resolve("train.csv"), "anchor", "positive");
        List<String> questions = new ArrayList<>(new LinkedHashSet<>(pairs.stream().map(pair -> pair[0]).toList()));
        java.util.Collections.shuffle(questions, new Random(seed));
        Set<String> held = new java.util.HashSet<>(questions.subList(0, Math.round(questions.size() * 0.1f)));
        List<String> trainAnchors = new ArrayList<>();
        List<String> trainPositives = new ArrayList<>();
        List<String> validationAnchors = new ArrayList<>();
        List<String> validationPositives = new ArrayList<>();
        for (String[] pair : pairs) {
            (held.contains(pair[0]) ? validationAnchors : trainAnchors).add(pair[0]);
            (held.contains(pair[0]) ? validationPositives : trainPositives).add(pair[1]);
        }
        RetrievalMetrics.Task validation = RetrievalMetrics.Task.ofPairs(validationAnchors, validationPositives, null);

        Map<String, String> queryText = new LinkedHashMap<>();
        for (String[] row : read(dir.resolve("queries.csv"), "text", "query_id")) {
            queryText.put(row[1], row[0]);
        }
        Map<String, Integer> documentAt = new HashMap<>();
        List<String> documents = new ArrayList<>();
        for (String[] row : read(dir.resolve("corpus.csv"), "text", "doc_id")) {
            documentAt.put(row[1], documents.size());
            documents.add(row[0]);
        }
        Map<String, Set<Integer>> relevantOf = new LinkedHashMap<>();
        for (String[] row : read(dir.resolve("qrels.csv"), "doc_id", "query_id")) {
            relevantOf.computeIfAbsent(row[1], id -> new TreeSet<>()).add(documentAt.get(row[0]));
        }
        List<String> queries = new ArrayList<>();
        List<Set<Integer>> relevant = new ArrayList<>();
        queryText.forEach((id, text) -> {
            queries.add(text);
            relevant.add(relevantOf.get(id));
        });

        int maxLength;
        try (TextTokenizer tokenizer = TextTokenizer.open(model)) {
            List<String> texts = new ArrayList<>(trainAnchors);
            texts.addAll(trainPositives);
            maxLength = tokenizer.lengthCovering(texts, 0.99, 16, model.maxSequenceLength());
        }
        System.out.printf("WikiQA: %d training pairs (%d questions), %d validation pairs (%d questions); test: %d queries,"
                + " %d documents, %d judgements; max length %d%n", trainAnchors.size(), questions.size() - held.size(),
                validationAnchors.size(), held.size(), queries.size(), documents.size(),
                relevant.stream().mapToInt(Set::size).sum(), maxLength);
        Encoder.Options options = new Encoder.Options(1, 32, maxLength);
        byte[] graph = model.readGraph();
        long began = System.nanoTime();
        RetrievalMetrics baseTest;
        RetrievalMetrics baseValidation;
        try (Encoder base = Encoder.open(model, graph, options)) {
            baseValidation = RetrievalMetrics.of(base.embed(validation.queries()), base.embed(validation.documents()),
                    validation.relevant());
            baseTest = RetrievalMetrics.of(base.embed(queries), base.embed(documents), relevant);
        }
        System.out.printf("base %s: validation %s%n  test %s (%.0f s)%n", model.id(), baseValidation, baseTest,
                (System.nanoTime() - began) / 1e9);

        int layers = method.equals("full") ? model.layers() : Math.max(1, model.layers() / 3);
        EncoderTrainer.Settings settings = new EncoderTrainer.Settings(epochs, 32, learningRate, 0.01, EncoderTrainer.DROPOUT,
                seed, 2, layers, maxLength, null);
        began = System.nanoTime();
        ContrastiveTrainer.Result result = new ContrastiveTrainer().train(model, graph,
                new ContrastiveTrainer.Pairs(trainAnchors, trainPositives, null), validation, settings,
                (epoch, total) -> System.out.printf("  epoch %d: train loss %.4f, validation %s%n", epoch.epoch(),
                        epoch.trainLoss(), epoch.validation()),
                (step, total) -> { }, () -> false, Checkpoints.NONE);
        double trainingSeconds = (System.nanoTime() - began) / 1e9;
        RetrievalMetrics trainedTest;
        try (Encoder trained = Encoder.open(model, result.encoderGraph(), options)) {
            trainedTest = RetrievalMetrics.of(trained.embed(queries), trained.embed(documents), relevant);
        }
        System.out.printf("%s %s, %d epochs at most, lr %s, batch 32, seed %d: best epoch %d; training %.0f s (%.1f pairs/s)%n"
                + "  test %s%n", method, model.id(), epochs, learningRate, seed, result.bestEpoch(), trainingSeconds,
                result.samplesPerSecond(), trainedTest);
    }
}
