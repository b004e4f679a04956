package dev.bonsai.model;

import ai.djl.engine.Engine;
import ai.onnxruntime.OrtEnvironment;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bonsai.engine.BaseModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A bundle's {@code MODEL_CARD.md}: what the model is, how it scored, and code that runs it as
 * written in Python, in the browser (onnxruntime-web with transformers.js's tokenizer) and in Java,
 * on a few texts of {@code parity.jsonl} whose answers the card gives.
 */
final class ModelCard {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Versions the JavaScript snippet is checked with (src/test/node/package.json). */
    static final String ONNXRUNTIME_WEB = "1.30.0";
    static final String TRANSFORMERS_JS = "4.3.2";

    private ModelCard() {
    }

    @SuppressWarnings("unchecked")
    static String write(ModelEntity model, ModelVariantEntity variant, BaseModel baseModel, int maxLength,
            List<Bundles.ParityRow> parity, List<Map<String, Object>> tolerances) {
        StringBuilder card = new StringBuilder();
        card.append("# ").append(model.name).append(" — ").append(variant.kind.equals("original") ? "original"
                : variant.provenance.getOrDefault("recipe", variant.kind)).append("\n\n");
        card.append("A text classifier fine-tuned by Bonsai from ").append(baseModel.displayName()).append(" (")
                .append(baseModel.source()).append(", ").append(baseModel.licence()).append(").\n\n");
        card.append("- Labels: ").append(String.join(", ", model.labels)).append('\n');
        card.append("- Method: ").append(model.method).append("; dataset ").append(model.datasetId).append("; job ")
                .append(model.jobId).append('\n');
        card.append("- Input: one text, truncated to ").append(maxLength)
                .append(" tokens ([CLS] and [SEP] included) by tokenizer.json\n\n");
        card.append("## Intended use\n\nClassifying texts like those of the training dataset into the labels above. It"
                + " has not been evaluated outside that domain; check it on your own data before relying on it.\n\n");
        card.append("## Metrics\n\n");
        Map<String, Object> metrics = variant.metrics == null ? Map.of() : variant.metrics;
        Object test = model.metrics == null ? null : model.metrics.get("test");
        if (test != null) {
            card.append("Original model on the test split: ").append(summary(test)).append("\n\n");
        }
        if (metrics.containsKey("recipe")) {
            card.append("This variant (").append(metrics.get("recipe")).append("): accuracy ").append(metrics.get("accuracy"))
                    .append(" (").append(metrics.get("accuracyDelta")).append(" against the original), macro-F1 ")
                    .append(metrics.get("macroF1")).append(", ").append(metrics.get("bytes")).append(" bytes.\n\n");
            if (metrics.containsKey("fits")) {
                card.append("## Device report\n\n");
                card.append("- Fits the target device: ").append(metrics.get("fits")).append('\n');
                Object problems = metrics.get("fitProblems");
                if (problems instanceof List<?> list && !list.isEmpty()) {
                    card.append("- Why not: ").append(String.join("; ", (List<String>) list)).append('\n');
                }
                card.append("- Latency on the build host (one thread): ").append(metrics.get("hostLatency")).append('\n');
                card.append("- Device latency: ").append(metrics.get("deviceLatency")).append('\n');
                card.append("- Status: ").append(metrics.get("status")).append("\n\n");
            }
        }
        List<Bundles.ParityRow> examples = examples(parity);
        card.append("## Running it\n\nUnzip the bundle into a folder named `bundle`. Each program below classifies ")
                .append(examples.size()).append(" texts of `parity.jsonl` (the last is longer than ").append(maxLength)
                .append(" tokens, to show the truncation) and prints each text's label and probability; Bonsai's"
                        + " answers are:\n\n");
        for (Bundles.ParityRow row : examples) {
            card.append("- ").append(row.label()).append(' ').append(best(row.probabilities())).append('\n');
        }
        card.append("\n### Python\n\n```python\n").append(python(examples)).append("```\n\n");
        card.append("With Hugging Face `transformers` instead of `tokenizers`: `AutoTokenizer.from_pretrained(\"bundle\")`"
                + " then `tokenizer(texts, padding=True, truncation=True, max_length=").append(maxLength)
                .append(", return_tensors=\"np\")`.\n\n");
        card.append("### JavaScript, in the browser\n\nServe the `bundle` folder beside the page and load this as a"
                + " module (it runs as written in Node too, reading the files from the current folder).\n\n```js\n")
                .append(javascript(model.labels, examples, maxLength)).append("```\n\n");
        card.append("### Java\n\n```java\n").append(java(model.labels, examples, maxLength)).append("```\n\n");
        card.append("## Verifying\n\nRun `model.onnx` on the `inputIds` of each row of `parity.jsonl` (a tokenizer set up"
                + " as above gives exactly those ids) and compare the probabilities with the row's:\n\n");
        for (Map<String, Object> tolerance : tolerances) {
            card.append("- ").append(tolerance.get("runtime")).append(": within ").append(tolerance.get("maxDifference"));
            if (tolerance.containsKey("note")) {
                card.append(". ").append(tolerance.get("note"));
            }
            card.append('\n');
        }
        card.append("\n`SHA256SUMS` lists every file's checksum.\n");
        return card.toString();
    }

    /**
     * An embedding model's card: what it retrieves against its base model, and programs that embed
     * a few texts of {@code parity.jsonl}, print each vector's first two values (Bonsai's are listed)
     * and rank the texts for the first one by cosine similarity.
     */
    static String writeEmbedder(ModelEntity model, ModelVariantEntity variant, BaseModel baseModel, int maxLength,
            List<Bundles.ParityRow> parity, List<Map<String, Object>> tolerances) {
        StringBuilder card = new StringBuilder();
        card.append("# ").append(model.name).append(" — ").append(variant.kind.equals("original") ? "original"
                : variant.provenance.getOrDefault("recipe", variant.kind)).append("\n\n");
        card.append("An embedding model for semantic search, fine-tuned by Bonsai from ").append(baseModel.displayName())
                .append(" (").append(baseModel.source()).append(", ").append(baseModel.licence())
                .append(") on pairs of queries and the passages they should find (multiple negatives ranking loss).\n\n");
        card.append("- Output: `embedding`, ").append(baseModel.dimensions())
                .append(" float32 values, L2-normalised inside the graph: the dot product of two vectors is their cosine"
                        + " similarity\n");
        card.append("- Method: ").append(model.method).append("; dataset ").append(model.datasetId).append("; job ")
                .append(model.jobId).append('\n');
        card.append("- Input: one text, truncated to ").append(maxLength)
                .append(" tokens ([CLS] and [SEP] included) by tokenizer.json\n\n");
        card.append("## Intended use\n\nRanking passages like those of the training pairs for queries like its anchors."
                + " It has not been evaluated outside that domain; check it on your own data before relying on it.\n\n");
        card.append("## Metrics\n\n");
        Object base = model.metrics == null ? null : model.metrics.get("baseModel");
        for (String split : List.of("test", "validation")) {
            Object trained = model.metrics == null ? null : model.metrics.get(split);
            Object before = base instanceof Map<?, ?> baseline ? baseline.get(split) : null;
            if (trained != null) {
                card.append("- ").append(split).append(" queries, this model: ").append(retrieval(trained)).append('\n');
                if (before != null) {
                    card.append("- ").append(split).append(" queries, ").append(baseModel.id()).append(" before training: ")
                            .append(retrieval(before)).append('\n');
                }
            }
        }
        card.append("\nEach distinct anchor of the split ranks the split's distinct positives and negatives; its own"
                + " positives are the relevant ones.\n\n");
        List<Bundles.ParityRow> examples = examples(parity);
        card.append("## Running it\n\nUnzip the bundle into a folder named `bundle`. Each program below embeds ")
                .append(examples.size()).append(" texts of `parity.jsonl` (the last is longer than ").append(maxLength)
                .append(" tokens, to show the truncation), prints each vector's first two values and the text, then the"
                        + " texts ranked by cosine similarity to the first. Bonsai's first two values are:\n\n");
        for (Bundles.ParityRow row : examples) {
            card.append("- ").append(row.embedding()[0]).append(' ').append(row.embedding()[1]).append('\n');
        }
        card.append("\n### Python\n\n```python\n").append(pythonEmbedder(examples)).append("```\n\n");
        card.append("### JavaScript, in the browser\n\nServe the `bundle` folder beside the page and load this as a"
                + " module (it runs as written in Node too, reading the files from the current folder).\n\n```js\n")
                .append(javascriptEmbedder(examples, maxLength)).append("```\n\n");
        card.append("### Java\n\n```java\n").append(javaEmbedder(examples, maxLength)).append("```\n\n");
        card.append("## Verifying\n\nRun `model.onnx` on the `inputIds` of each row of `parity.jsonl` (a tokenizer set up"
                + " as above gives exactly those ids) and compare every value of the vector with the row's"
                + " `embedding`:\n\n");
        for (Map<String, Object> tolerance : tolerances) {
            card.append("- ").append(tolerance.get("runtime")).append(": within ").append(tolerance.get("maxDifference"))
                    .append('\n');
        }
        card.append("\n`SHA256SUMS` lists every file's checksum.\n");
        return card.toString();
    }

    @SuppressWarnings("unchecked")
    private static String retrieval(Object metrics) {
        Map<String, Object> map = metrics instanceof Map<?, ?> ? (Map<String, Object>) metrics
                : JSON.convertValue(metrics, Map.class);
        return "recall@1 " + map.get("recallAt1") + ", recall@10 " + map.get("recallAt10") + ", MRR@10 "
                + map.get("mrrAt10") + ", nDCG@10 " + map.get("ndcgAt10") + " (" + map.get("queries") + " queries, "
                + map.get("documents") + " documents)";
    }

    private static String pythonEmbedder(List<Bundles.ParityRow> examples) {
        return """
                # pip install onnxruntime tokenizers numpy
                import numpy as np
                import onnxruntime as ort
                from tokenizers import Tokenizer

                tokenizer = Tokenizer.from_file("bundle/tokenizer.json")  # truncates and pads as Bonsai does
                session = ort.InferenceSession("bundle/model.onnx")

                texts = [
                %s
                ]
                encodings = tokenizer.encode_batch(texts)
                feeds = {
                    "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
                    "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
                    "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
                }
                (vectors,) = session.run(["embedding"], feeds)
                for text, vector in zip(texts, vectors):
                    print(float(vector[0]), float(vector[1]), text)
                scores = vectors @ vectors[0]  # unit vectors: the dot product is the cosine similarity
                for i in np.argsort(-scores):
                    print(f"{scores[i]:.4f}", texts[i])
                """.formatted(literals(examples, "    ", ","));
    }

    private static String javascriptEmbedder(List<Bundles.ParityRow> examples, int maxLength) {
        return """
                // npm install onnxruntime-web@%s @huggingface/transformers@%s
                import * as ort from 'onnxruntime-web';
                import { AutoTokenizer, env } from '@huggingface/transformers';

                env.allowRemoteModels = false;
                env.localModelPath = './';
                const tokenizer = await AutoTokenizer.from_pretrained('bundle');
                const session = await ort.InferenceSession.create('./bundle/model.onnx');
                const maxLength = %d;

                // transformers.js's own truncation cuts the closing [SEP]: cut the text's pieces and keep it.
                function encode(text) {
                  const ids = tokenizer.encode(text);
                  return ids.length <= maxLength ? ids : [...ids.slice(0, maxLength - 1), tokenizer.sep_token_id];
                }

                const texts = [
                %s
                ];
                const vectors = [];
                for (const text of texts) {
                  const ids = encode(text);
                  const shape = [1, ids.length];
                  const { embedding } = await session.run({
                    input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), shape),
                    attention_mask: new ort.Tensor('int64', new BigInt64Array(ids.length).fill(1n), shape),
                    token_type_ids: new ort.Tensor('int64', new BigInt64Array(ids.length), shape),
                  });
                  const vector = Array.from(embedding.data);
                  vectors.push(vector);
                  console.log(vector[0], vector[1], text);
                }
                // Unit vectors: the dot product is the cosine similarity.
                const scores = vectors.map((v) => v.reduce((sum, x, d) => sum + x * vectors[0][d], 0));
                for (const i of [...scores.keys()].sort((a, b) => scores[b] - scores[a])) {
                  console.log(scores[i].toFixed(4), texts[i]);
                }
                """.formatted(ONNXRUNTIME_WEB, TRANSFORMERS_JS, maxLength, literals(examples, "  ", ","));
    }

    private static String javaEmbedder(List<Bundles.ParityRow> examples, int maxLength) {
        return """
                // Embed.java: java -cp onnxruntime-%s.jar:tokenizers-%s.jar:api-%s.jar:<their dependencies> Embed.java
                // (Maven: com.microsoft.onnxruntime:onnxruntime:%1$s and ai.djl.huggingface:tokenizers:%2$s)
                import ai.djl.huggingface.tokenizers.Encoding;
                import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
                import ai.onnxruntime.OnnxTensor;
                import ai.onnxruntime.OrtEnvironment;
                import ai.onnxruntime.OrtSession;
                import java.nio.file.Path;
                import java.util.ArrayList;
                import java.util.List;
                import java.util.Map;

                public class Embed {
                    public static void main(String[] args) throws Exception {
                        List<String> texts = List.of(
                %s);
                        OrtEnvironment environment = OrtEnvironment.getEnvironment();
                        List<float[]> vectors = new ArrayList<>();
                        try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(Path.of("bundle/tokenizer.json"),
                                        Map.of("truncation", "true", "padding", "true", "maxLength", "%d"));
                                OrtSession session = environment.createSession("bundle/model.onnx")) {
                            for (String text : texts) {
                                Encoding encoding = tokenizer.encode(text);
                                try (OnnxTensor ids = OnnxTensor.createTensor(environment, new long[][] {encoding.getIds()});
                                        OnnxTensor mask = OnnxTensor.createTensor(environment, new long[][] {encoding.getAttentionMask()});
                                        OnnxTensor types = OnnxTensor.createTensor(environment, new long[][] {encoding.getTypeIds()});
                                        OrtSession.Result result = session.run(
                                                Map.of("input_ids", ids, "attention_mask", mask, "token_type_ids", types))) {
                                    float[] vector = ((float[][]) result.get("embedding").orElseThrow().getValue())[0];
                                    vectors.add(vector);
                                    System.out.println(vector[0] + " " + vector[1] + " " + text);
                                }
                            }
                        }
                        // Unit vectors: the dot product is the cosine similarity.
                        for (int i = 0; i < texts.size(); i++) {
                            double score = 0;
                            for (int d = 0; d < vectors.get(i).length; d++) {
                                score += vectors.get(i)[d] * vectors.get(0)[d];
                            }
                            System.out.printf("%%.4f %%s%%n", score, texts.get(i));
                        }
                    }
                }
                """.formatted(OrtEnvironment.getEnvironment().getVersion(), Engine.getDjlVersion(), Engine.getDjlVersion(),
                literals(examples, "                ", ","), maxLength);
    }

    /** The first two rows and the long last one. */
    private static List<Bundles.ParityRow> examples(List<Bundles.ParityRow> parity) {
        List<Bundles.ParityRow> examples = new ArrayList<>(parity.subList(0, Math.min(2, parity.size() - 1)));
        examples.add(parity.get(parity.size() - 1));
        return examples;
    }

    private static String python(List<Bundles.ParityRow> examples) {
        return """
                # pip install onnxruntime tokenizers numpy
                import json

                import numpy as np
                import onnxruntime as ort
                from tokenizers import Tokenizer

                tokenizer = Tokenizer.from_file("bundle/tokenizer.json")  # truncates and pads as Bonsai does
                session = ort.InferenceSession("bundle/model.onnx")
                labels = json.load(open("bundle/labels.json"))

                texts = [
                %s
                ]
                encodings = tokenizer.encode_batch(texts)
                feeds = {
                    "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
                    "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
                    "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
                }
                probabilities, embedding = session.run(["probabilities", "embedding"], feeds)
                for text, row in zip(texts, probabilities):
                    print(labels[int(row.argmax())], float(row.max()), text)
                """.formatted(literals(examples, "    ", ","));
    }

    private static String javascript(List<String> labels, List<Bundles.ParityRow> examples, int maxLength) {
        return """
                // npm install onnxruntime-web@%s @huggingface/transformers@%s
                import * as ort from 'onnxruntime-web';
                import { AutoTokenizer, env } from '@huggingface/transformers';

                env.allowRemoteModels = false;
                env.localModelPath = './';
                const tokenizer = await AutoTokenizer.from_pretrained('bundle');
                const session = await ort.InferenceSession.create('./bundle/model.onnx');
                const labels = %s;
                const maxLength = %d;

                // transformers.js's own truncation cuts the closing [SEP]: cut the text's pieces and keep it.
                function encode(text) {
                  const ids = tokenizer.encode(text);
                  return ids.length <= maxLength ? ids : [...ids.slice(0, maxLength - 1), tokenizer.sep_token_id];
                }

                const texts = [
                %s
                ];
                for (const text of texts) {
                  const ids = encode(text);
                  const shape = [1, ids.length];
                  const { probabilities } = await session.run({
                    input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), shape),
                    attention_mask: new ort.Tensor('int64', new BigInt64Array(ids.length).fill(1n), shape),
                    token_type_ids: new ort.Tensor('int64', new BigInt64Array(ids.length), shape),
                  });
                  const p = Array.from(probabilities.data);
                  const best = p.indexOf(Math.max(...p));
                  console.log(labels[best], p[best], text);
                }
                """.formatted(ONNXRUNTIME_WEB, TRANSFORMERS_JS, json(labels), maxLength, literals(examples, "  ", ","));
    }

    private static String java(List<String> labels, List<Bundles.ParityRow> examples, int maxLength) {
        return """
                // Classify.java: java -cp onnxruntime-%s.jar:tokenizers-%s.jar:api-%s.jar:<their dependencies> Classify.java
                // (Maven: com.microsoft.onnxruntime:onnxruntime:%1$s and ai.djl.huggingface:tokenizers:%2$s)
                import ai.djl.huggingface.tokenizers.Encoding;
                import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
                import ai.onnxruntime.OnnxTensor;
                import ai.onnxruntime.OrtEnvironment;
                import ai.onnxruntime.OrtSession;
                import java.nio.file.Path;
                import java.util.List;
                import java.util.Map;

                public class Classify {
                    public static void main(String[] args) throws Exception {
                        List<String> labels = List.of(%s);
                        List<String> texts = List.of(
                %s);
                        OrtEnvironment environment = OrtEnvironment.getEnvironment();
                        try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(Path.of("bundle/tokenizer.json"),
                                        Map.of("truncation", "true", "padding", "true", "maxLength", "%d"));
                                OrtSession session = environment.createSession("bundle/model.onnx")) {
                            for (String text : texts) {
                                Encoding encoding = tokenizer.encode(text);
                                try (OnnxTensor ids = OnnxTensor.createTensor(environment, new long[][] {encoding.getIds()});
                                        OnnxTensor mask = OnnxTensor.createTensor(environment, new long[][] {encoding.getAttentionMask()});
                                        OnnxTensor types = OnnxTensor.createTensor(environment, new long[][] {encoding.getTypeIds()});
                                        OrtSession.Result result = session.run(
                                                Map.of("input_ids", ids, "attention_mask", mask, "token_type_ids", types))) {
                                    float[] p = ((float[][]) result.get("probabilities").orElseThrow().getValue())[0];
                                    int best = 0;
                                    for (int c = 1; c < p.length; c++) {
                                        best = p[c] > p[best] ? c : best;
                                    }
                                    System.out.println(labels.get(best) + " " + p[best] + " " + text);
                                }
                            }
                        }
                    }
                }
                """.formatted(OrtEnvironment.getEnvironment().getVersion(), Engine.getDjlVersion(), Engine.getDjlVersion(),
                labels.stream().map(ModelCard::json).collect(Collectors.joining(", ")),
                literals(examples, "                ", ","), maxLength);
    }

    /** The texts as string literals, one per line: JSON's escapes are valid in Python, JavaScript and Java. */
    private static String literals(List<Bundles.ParityRow> rows, String indent, String separator) {
        return rows.stream().map(row -> indent + json(row.text())).collect(Collectors.joining(separator + "\n"));
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static float best(float[] probabilities) {
        float best = probabilities[0];
        for (float p : probabilities) {
            best = Math.max(best, p);
        }
        return best;
    }

    @SuppressWarnings("unchecked")
    private static String summary(Object metrics) {
        Map<String, Object> map = metrics instanceof Map<?, ?> ? (Map<String, Object>) metrics
                : JSON.convertValue(metrics, Map.class);
        return "accuracy " + map.get("accuracy") + ", macro-F1 " + map.get("macroF1");
    }
}
