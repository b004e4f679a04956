// Serving benchmark against a running Bonsai server (benchmarks/serving.sh starts one).
//
//   java -cp <classpath> benchmarks/Serving.java BASE_URL ADMIN_KEY TEXTS.csv SERVER_PID MODELS TRAIN.csv TARGETS
//   java -cp <classpath> benchmarks/Serving.java BASE_URL ADMIN_KEY TEXTS.csv SERVER_PID --serve TARGETS
//   java -cp <classpath> benchmarks/Serving.java BASE_URL ADMIN_KEY TEXTS.csv SERVER_PID --batch ROWS TRAIN.csv
//
// The served model is a head model trained on 100 rows of each label of TRAIN.csv.
// (a) raw: the model's downloaded bundle (its graph, tokenizer and maximum length) run in this
//     process with ONNX Runtime, one thread, batch 32 (throughput) and batch 1 (latency), on TEXTS;
// (b) HTTP: one text per request at concurrency 1, 8 and 32, on the same texts, with this
//     program's Java client and, when Debian's wrk is installed, with wrk (benchmarks/predict.lua);
//     throughput is given as a ratio of (a) at batch 32, p50 as an overhead on (a) at batch 1;
// (c) MODELS head-method models of as many tenants, each trained on its own rows of TRAIN.csv
//     (disjoint slices, 8 of each label), served together with mixed traffic: the server's
//     resident memory and throughput, against its one model alone. The tenants' keys and models
//     are written to TARGETS; with --serve, a freshly started server on the same data is measured
//     the same way (one model, then all of them), without the models being made in that process.
// (d) with --batch: a batch of ROWS rows (TEXTS cycled) through the same model, against (a) at batch
//     32 and against the predictions API sent 32 texts a request from one client, on the same
//     texts; each batch row's scores compared with the API's for the same text; the server's peak
//     heap (from /q/metrics, sampled every 200 ms) while the batch is uploaded and run. A batch of
//     more than 100,000 rows is cancelled after a minute of running and only its heap is reported.

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bonsai.dataset.LabelledTextFile;
import dev.bonsai.engine.runtime.ClassifierRunner;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

public class Serving {

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    static String base;

    public static void main(String[] args) throws Exception {
        base = args[0];
        String adminKey = args[1];
        List<String> texts = LabelledTextFile.read(Path.of(args[2])).stream().map(LabelledTextFile.LabelledText::text)
                .limit(2000).toList();
        long serverPid = Long.parseLong(args[3]);
        if (args[4].equals("--serve")) {
            List<String[]> targets = Files.readAllLines(Path.of(args[5])).stream().map(line -> line.split(" ")).toList();
            manyModels(serverPid, targets, texts, "freshly started server");
            return;
        }
        if (args[4].equals("--batch")) {
            batch(adminKey, texts, Integer.parseInt(args[5]), new Datasets(LabelledTextFile.read(Path.of(args[6]))));
            return;
        }
        int models = Integer.parseInt(args[4]);
        // Every tenant trains on rows of its own: disjoint slices of the training file, 8 of each label.
        Datasets datasets = new Datasets(LabelledTextFile.read(Path.of(args[5])));

        String[] first = tenantWithModel(adminKey, datasets.next(100), "serving-0");
        String key = first[0];
        String model = first[1];
        // (a) raw
        double[] raw = raw(first, texts);
        double rawThroughput = raw[0];
        double rawP50 = raw[1];
        System.out.printf("served model: head on all-MiniLM-L6-v2, maximum length %d tokens (from its bundle)%n",
                (int) raw[2]);
        System.out.printf("(a) raw ONNX Runtime, one thread: %.1f texts/s at batch 32; batch 1 p50 %.2f ms%n",
                rawThroughput, rawP50);

        // (b) HTTP, one text per request: throughput against raw batch 32, p50 against raw batch 1
        for (int concurrency : new int[] {1, 8, 32}) {
            Result result = load(List.<String[]>of(new String[] {key, model}), texts, concurrency, concurrency == 1 ? 600 : 2400);
            System.out.printf("(b) HTTP, concurrency %d: %.1f texts/s (%.2f of raw batch 32), p50 %.2f ms (%+.2f ms on raw"
                    + " batch 1), p99 %.2f ms, %d errors%n", concurrency, result.throughput, result.throughput / rawThroughput,
                    result.p50, result.p50 - rawP50, result.p99, result.errors);
        }

        // (b) again with wrk, a load generator in C whose own cost per request is far smaller
        if (wrkInstalled()) {
            Path bodies = Files.createTempFile("bodies", ".jsonl");
            List<String> lines = new ArrayList<>();
            for (String text : texts) {
                lines.add(JSON.writeValueAsString(Map.of("inputs", List.of(text))));
            }
            Files.write(bodies, lines);
            for (int concurrency : new int[] {1, 8, 32}) {
                Result result = wrk(base + "/v1/models/" + model + "/predictions", bodies, key, concurrency);
                System.out.printf("(b) HTTP with wrk, concurrency %d: %.1f texts/s (%.2f of raw batch 32), p50 %.2f ms"
                        + " (%+.2f ms on raw batch 1), p99 %.2f ms, %d errors%n", concurrency, result.throughput,
                        result.throughput / rawThroughput, result.p50, result.p50 - rawP50, result.p99, result.errors);
            }
            Files.delete(bodies);
        } else {
            System.out.println("(b) with wrk: skipped, wrk is not installed (apt-get install wrk)");
        }

        // (c) many tenants' head-method models, each trained on its own rows
        List<String[]> targets = new ArrayList<>();
        targets.add(new String[] {key, model});
        long setup = System.nanoTime();
        for (int m = 1; m < models; m++) {
            String[] created = tenantWithModel(adminKey, datasets.next(8), "serving-" + m);
            targets.add(new String[] {created[0], created[1]});
            if (m % 100 == 0) {
                System.out.printf("    %d models created (%.0f s)%n", m, (System.nanoTime() - setup) / 1e9);
            }
        }
        Files.write(Path.of(args[6]), targets.stream().map(target -> target[0] + " " + target[1]).toList());
        manyModels(serverPid, targets, texts, "server that made the models");
    }

    /**
     * What the server serves, run in this process with one thread: the downloaded bundle of
     * {@code served} ({key, model, variant}), its graph, its tokenizer and its maximum length, on the
     * same texts. Answers {texts/s at batch 32, batch-1 p50 in ms, the maximum length}.
     */
    static double[] raw(String[] served, List<String> texts) throws Exception {
        Map<String, byte[]> bundle = unzip(get(served[0], "/v1/models/" + served[1] + "/variants/" + served[2]
                + "/content?format=bundle").body());
        int maxLength = JSON.readTree(bundle.get("bonsai.json")).path("maxSequenceLength").asInt();
        int batches = 40;
        try (ClassifierRunner runner = ClassifierRunner.open(bundle.get("model.onnx"), bundle.get("tokenizer.json"),
                maxLength, 1)) {
            for (int i = 0; i < 5; i++) {
                runner.run(texts.subList(i * 32, i * 32 + 32));
            }
            long start = System.nanoTime();
            for (int b = 0; b < batches; b++) {
                runner.run(texts.subList((b * 32) % (texts.size() - 32), (b * 32) % (texts.size() - 32) + 32));
            }
            double throughput = batches * 32 / ((System.nanoTime() - start) / 1e9);
            double[] single = new double[300];
            for (int i = 0; i < single.length; i++) {
                long t = System.nanoTime();
                runner.run(List.of(texts.get(i)));
                single[i] = (System.nanoTime() - t) / 1e6;
            }
            Arrays.sort(single);
            return new double[] {throughput, single[single.length / 2], maxLength};
        }
    }

    /** Batches larger than this are cancelled after a minute of running: only their memory is measured. */
    static final int LONGEST_RUN_ROWS = 100_000;

    /** (d): a batch of {@code rows} rows against raw batch 32 and the predictions API, with the server's peak heap. */
    static void batch(String adminKey, List<String> texts, int rows, Datasets datasets) throws Exception {
        String[] first = tenantWithModel(adminKey, datasets.next(100), "batch-0");
        String key = first[0];
        String model = first[1];
        double[] raw = raw(first, texts);
        double rawThroughput = raw[0];
        System.out.printf("(a) raw ONNX Runtime, one thread, maximum length %d: %.1f texts/s at batch 32%n", (int) raw[2],
                rawThroughput);

        // The predictions API, 32 texts a request, one client: the answers every batch row is compared with.
        Map<String, JsonNode> answers = new java.util.HashMap<>();
        long start = System.nanoTime();
        for (int from = 0; from < texts.size(); from += 32) {
            List<String> group = texts.subList(from, Math.min(texts.size(), from + 32));
            JsonNode data = JSON.readTree(post(key, "/v1/models/" + model + "/predictions",
                    JSON.writeValueAsString(Map.of("inputs", group))).body()).path("data");
            for (int i = 0; i < group.size(); i++) {
                answers.put(group.get(i), data.get(i));
            }
        }
        double apiThroughput = texts.size() / ((System.nanoTime() - start) / 1e9);
        System.out.printf("(d) predictions API, 32 texts a request, one client: %.1f texts/s (%.2f of raw batch 32)%n",
                apiThroughput, apiThroughput / rawThroughput);

        StringBuilder csv = new StringBuilder("text\n");
        for (int i = 0; i < rows; i++) {
            csv.append('"').append(texts.get(i % texts.size()).replace("\"", "\"\"")).append("\"\n");
        }
        byte[] file = csv.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.util.concurrent.atomic.AtomicLong peakHeap = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicBoolean sampling = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread sampler = new Thread(() -> {
            while (sampling.get()) {
                try {
                    peakHeap.accumulateAndGet(heapUsed(), Math::max);
                    Thread.sleep(200);
                } catch (Exception e) {
                    return;
                }
            }
        });
        long idleHeap = heapUsed();
        sampler.start();
        long upload = System.nanoTime();
        HttpResponse<byte[]> created = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/batches?model=" + model))
                .header("Authorization", "Bearer " + key).header("Content-Type", "text/csv")
                .POST(HttpRequest.BodyPublishers.ofByteArray(file)).build(), HttpResponse.BodyHandlers.ofByteArray());
        if (created.statusCode() != 201) {
            throw new IllegalStateException("batch refused: " + new String(created.body()));
        }
        double uploadSeconds = (System.nanoTime() - upload) / 1e9;
        String id = JSON.readTree(created.body()).path("id").asText();
        JsonNode job;
        long running = System.nanoTime();
        while (true) {
            job = JSON.readTree(get(key, "/v1/batches/" + id).body());
            if (job.path("status").asText().matches("succeeded|failed|cancelled")) {
                break;
            }
            if (rows > LONGEST_RUN_ROWS && System.nanoTime() - running > 60e9) {
                // Too long to run through here: the heap while it was uploaded, checked and ran a minute.
                post(key, "/v1/batches/" + id + "/cancel", "");
                sampling.set(false);
                sampler.join();
                System.out.printf("(d) batch of %d rows (%d bytes): uploaded and checked in %.1f s, cancelled after a"
                        + " minute at row %d; server heap idle %d MB, peak %d MB%n", rows, file.length, uploadSeconds,
                        job.path("rowsDone").asLong(), idleHeap >> 20, peakHeap.get() >> 20);
                return;
            }
            Thread.sleep(200);
        }
        sampling.set(false);
        sampler.join();
        if (!job.path("status").asText().equals("succeeded")) {
            throw new IllegalStateException("batch " + id + ": " + job);
        }
        double seconds = java.time.Duration.between(java.time.OffsetDateTime.parse(job.path("startedAt").asText()),
                java.time.OffsetDateTime.parse(job.path("finishedAt").asText())).toMillis() / 1000.0;
        double batchThroughput = rows / seconds;
        String[] output = new String(get(key, "/v1/batches/" + id + "/output").body(),
                java.nio.charset.StandardCharsets.UTF_8).split("\n");
        int differing = 0;
        for (int i = 0; i < rows; i++) {
            JsonNode line = JSON.readTree(output[i]);
            JsonNode answer = answers.get(texts.get(i % texts.size()));
            boolean same = line.path("label").asText().equals(answer.path("label").asText());
            for (JsonNode ranked : answer.path("labels")) {
                same &= line.path("scores").path(ranked.path("label").asText()).asDouble() == ranked.path("score").asDouble();
            }
            if (!same) {
                differing++;
            }
        }
        System.out.printf("(d) batch of %d rows (%d bytes): uploaded and checked in %.1f s; ran in %.1f s: %.1f texts/s"
                + " (%.2f of raw batch 32, %.2f of the predictions API); rows whose answer differs from the API's: %d;"
                + " server heap idle %d MB, peak %d MB%n", rows, file.length, uploadSeconds, seconds, batchThroughput,
                batchThroughput / rawThroughput, batchThroughput / apiThroughput, differing, idleHeap >> 20,
                peakHeap.get() >> 20);
    }

    /** The server's heap in use, from its Prometheus metrics. */
    static long heapUsed() throws Exception {
        String metrics = new String(HTTP.send(HttpRequest.newBuilder(URI.create(base + "/q/metrics")).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray()).body());
        double used = 0;
        for (String line : metrics.split("\n")) {
            if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
                used += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return (long) used;
    }

    /** Disjoint CSV datasets from one labelled file: each takes the next rows of every label. */
    static final class Datasets {
        private final Map<String, java.util.Iterator<LabelledTextFile.LabelledText>> byLabel = new java.util.TreeMap<>();

        Datasets(List<LabelledTextFile.LabelledText> rows) {
            Map<String, List<LabelledTextFile.LabelledText>> grouped = new java.util.TreeMap<>();
            for (LabelledTextFile.LabelledText row : rows) {
                grouped.computeIfAbsent(row.label(), label -> new ArrayList<>()).add(row);
            }
            grouped.forEach((label, list) -> byLabel.put(label, list.iterator()));
        }

        String next(int perLabel) {
            StringBuilder csv = new StringBuilder("text,label\n");
            byLabel.forEach((label, rows) -> {
                for (int i = 0; i < perLabel; i++) {
                    if (!rows.hasNext()) {
                        throw new IllegalStateException("the training file has too few rows labelled " + label);
                    }
                    csv.append('"').append(rows.next().text().replace("\"", "\"\"")).append("\",").append(label)
                            .append('\n');
                }
            });
            return csv.toString();
        }
    }

    static Map<String, byte[]> unzip(byte[] zip) throws java.io.IOException {
        Map<String, byte[]> files = new java.util.HashMap<>();
        try (java.util.zip.ZipInputStream in = new java.util.zip.ZipInputStream(new java.io.ByteArrayInputStream(zip))) {
            for (java.util.zip.ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
                files.put(entry.getName(), in.readAllBytes());
            }
        }
        return files;
    }

    /** One model alone, then every model once, then mixed traffic over all of them. */
    static void manyModels(long serverPid, List<String[]> targets, List<String> texts, String which) throws Exception {
        Result one = load(targets.subList(0, 1), texts, 32, 2400);
        long rssOne = rss(serverPid);
        load(targets, texts, 32, targets.size());
        Result many = load(targets, texts, 32, 4 * targets.size());
        long rssMany = rss(serverPid);
        System.out.printf("(c) %s — one model: %.1f texts/s, RSS %d MB; %d models of %d tenants, mixed: %.1f texts/s"
                + " (%.2f×), p50 %.2f ms, p99 %.2f ms, %d errors, RSS %d MB (%.2f×)%n", which, one.throughput, rssOne >> 20,
                targets.size(), targets.size(), many.throughput, many.throughput / one.throughput, many.p50, many.p99,
                many.errors, rssMany >> 20, (double) rssMany / rssOne);
    }

    record Result(double throughput, double p50, double p99, int errors) {
    }

    /** {@code requests} one-text requests spread over {@code targets} (key, model) by {@code concurrency} clients. */
    static Result load(List<String[]> targets, List<String> texts, int concurrency, int requests) throws Exception {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        double[] latencies = new double[requests];
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        long start = System.nanoTime();
        List<Future<?>> clients = new ArrayList<>();
        for (int c = 0; c < concurrency; c++) {
            clients.add(pool.submit(() -> {
                int i;
                while ((i = next.getAndIncrement()) < requests) {
                    String[] target = targets.get(i % targets.size());
                    String body = JSON.writeValueAsString(Map.of("inputs", List.of(texts.get(i % texts.size()))));
                    long t = System.nanoTime();
                    HttpResponse<byte[]> response = post(target[0], "/v1/models/" + target[1] + "/predictions", body);
                    latencies[i] = (System.nanoTime() - t) / 1e6;
                    if (response.statusCode() != 200) {
                        errors.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Future<?> client : clients) {
            client.get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        Arrays.sort(latencies);
        return new Result(requests / seconds, latencies[requests / 2], latencies[(int) Math.ceil(requests * 0.99) - 1],
                errors.get());
    }

    /** Creates a tenant, uploads the dataset, trains a head model and waits: {key, model, variant}. */
    static String[] tenantWithModel(String adminKey, String csv, String name) throws Exception {
        JsonNode tenant = JSON.readTree(post(adminKey, "/v1/tenants", "{\"name\":\"" + name + "\"}").body());
        String key = tenant.path("apiKey").path("secret").asText();
        HttpResponse<byte[]> upload = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/datasets?name=" + name))
                .header("Authorization", "Bearer " + key).header("Content-Type", "text/csv")
                .POST(HttpRequest.BodyPublishers.ofString(csv)).build(), HttpResponse.BodyHandlers.ofByteArray());
        String dataset = JSON.readTree(upload.body()).path("id").asText();
        String job = JSON.readTree(post(key, "/v1/fine-tuning/jobs", "{\"baseModel\":\"all-minilm-l6-v2\",\"dataset\":\""
                + dataset + "\",\"method\":\"head\"}").body()).path("id").asText();
        while (true) {
            JsonNode status = JSON.readTree(get(key, "/v1/fine-tuning/jobs/" + job).body());
            if (status.path("status").asText().equals("succeeded")) {
                String model = status.path("modelId").asText();
                String variant = JSON.readTree(get(key, "/v1/models/" + model).body()).path("variants").get(0).path("id")
                        .asText();
                return new String[] {key, model, variant};
            }
            if (status.path("status").asText().matches("failed|cancelled")) {
                throw new IllegalStateException("job " + job + ": " + status);
            }
            Thread.sleep(50);
        }
    }

    static HttpResponse<byte[]> post(String key, String path, String json) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    static HttpResponse<byte[]> get(String key, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + key).GET()
                .build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static boolean wrkInstalled() throws InterruptedException {
        try {
            return new ProcessBuilder("wrk", "--version").redirectErrorStream(true).start().waitFor() >= 0;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** 20 s of wrk at {@code concurrency} connections, after 5 s of warm-up. */
    static Result wrk(String url, Path bodies, String key, int concurrency) throws Exception {
        String script = Path.of("benchmarks/predict.lua").toAbsolutePath().toString();
        run("wrk", "-t1", "-c" + concurrency, "-d5s", "-s", script, url, "--", bodies.toString(), key);
        String out = run("wrk", "-t1", "-c" + concurrency, "-d20s", "--latency", "-s", script, url, "--", bodies.toString(),
                key);
        java.util.regex.Matcher p50 = java.util.regex.Pattern.compile("50%\\s+([0-9.]+)(us|ms|s)").matcher(out);
        java.util.regex.Matcher p99 = java.util.regex.Pattern.compile("99%\\s+([0-9.]+)(us|ms|s)").matcher(out);
        java.util.regex.Matcher rate = java.util.regex.Pattern.compile("Requests/sec:\\s+([0-9.]+)").matcher(out);
        java.util.regex.Matcher errors = java.util.regex.Pattern.compile("Non-2xx or 3xx responses: (\\d+)").matcher(out);
        if (!p50.find() || !p99.find() || !rate.find()) {
            throw new IllegalStateException("unexpected wrk output:\n" + out);
        }
        return new Result(Double.parseDouble(rate.group(1)), millis(p50), millis(p99),
                errors.find() ? Integer.parseInt(errors.group(1)) : 0);
    }

    static double millis(java.util.regex.Matcher latency) {
        double value = Double.parseDouble(latency.group(1));
        return switch (latency.group(2)) {
            case "us" -> value / 1000;
            case "s" -> value * 1000;
            default -> value;
        };
    }

    static String run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes());
        if (process.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed:\n" + out);
        }
        return out;
    }

    static long rss(long pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS for " + pid);
    }
}
