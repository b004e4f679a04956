package dev.bonsai.engine.compress;

import ai.onnx.proto.OnnxMl;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import dev.bonsai.engine.graph.ClassifierExport;
import dev.bonsai.engine.graph.TransformerWeights;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Iterator;
import java.util.Map;

/**
 * Drops the word-embedding rows of tokens that never occur in the tenant's texts and renumbers
 * the rest, with a tokenizer whose vocabulary is renumbered the same way; and drops the
 * position-embedding rows past the model's maximum sequence length, which its tokenizer never
 * reaches (the variant then takes at most that many tokens, as it is served).
 *
 * <p>Lossless on the texts the kept set was built from: WordPiece picks the longest vocabulary
 * entry at each position, so a word whose pieces are all kept is split exactly as before and gets
 * the same rows. Elsewhere a word whose pieces were dropped is split into the kept pieces that
 * still match; with {@link #characterPieces} kept too, a word becomes {@code [UNK]} only if the
 * base tokenizer made it one. Special tokens are always kept.
 */
public final class VocabularyPruning {

    private static final String WORD_EMBEDDINGS = "embeddings.word_embeddings.weight";
    private static final String POSITION_EMBEDDINGS = "embeddings.position_embeddings.weight";
    private static final String POSITION_IDS = "embeddings.position_ids";
    private static final ObjectMapper JSON = new ObjectMapper();

    private VocabularyPruning() {
    }

    public record Result(byte[] graph, byte[] tokenizerJson, int vocabularyBefore, int vocabularyAfter,
            int positionsBefore, int positionsAfter) {
    }

    /**
     * Ids of the pieces that let WordPiece still split any word of known characters: every
     * single-character token, and the {@code ##} continuation of every single character that can
     * continue a word (not CJK ideographs, which BERT's pre-tokenizer always splits into words of
     * their own). Kept beside the dataset's own tokens, they mean a word the dataset never had is
     * split into smaller kept pieces rather than becoming {@code [UNK]}.
     */
    public static BitSet characterPieces(byte[] tokenizerJson) {
        ObjectNode tokenizer = read(tokenizerJson);
        BitSet pieces = new BitSet();
        for (Iterator<Map.Entry<String, JsonNode>> fields = tokenizer.path("model").path("vocab").fields(); fields.hasNext();) {
            Map.Entry<String, JsonNode> field = fields.next();
            String token = field.getKey();
            boolean continuation = token.startsWith("##");
            String piece = continuation ? token.substring(2) : token;
            if (piece.codePointCount(0, piece.length()) != 1) {
                continue;
            }
            if (continuation && Character.UnicodeScript.of(piece.codePointAt(0)) == Character.UnicodeScript.HAN) {
                continue;
            }
            pieces.set(field.getValue().asInt());
        }
        return pieces;
    }

    /**
     * @param graph a classifier or encoder graph with the fp32 word-embedding table
     * @param tokenizerJson the base model's {@code tokenizer.json}
     * @param used ids of the tokens the tenant's texts produce
     * @param maxLength the most tokens the model is given (its tokenizer truncates there)
     */
    public static Result prune(byte[] graph, byte[] tokenizerJson, BitSet used, int maxLength) {
        if (maxLength < 1) {
            throw new IllegalArgumentException("maxLength must be positive: " + maxLength);
        }
        ObjectNode tokenizer = read(tokenizerJson);
        ObjectNode vocabulary = (ObjectNode) tokenizer.path("model").path("vocab");
        if (!"WordPiece".equals(tokenizer.path("model").path("type").asText()) || vocabulary.isEmpty()) {
            throw new IllegalArgumentException("vocabulary pruning needs a WordPiece tokenizer");
        }
        int before = vocabulary.size();
        BitSet keep = (BitSet) used.clone();
        tokenizer.path("added_tokens").forEach(token -> keep.set(token.path("id").asInt()));
        keep.set(vocabulary.path(tokenizer.path("model").path("unk_token").asText("[UNK]")).asInt());
        keep.clear(before, Math.max(before, keep.length()));
        int[] newId = new int[before];
        int next = 0;
        for (int id = 0; id < before; id++) {
            newId[id] = keep.get(id) ? next++ : -1;
        }
        String[] tokens = new String[before];
        for (Iterator<Map.Entry<String, JsonNode>> fields = vocabulary.fields(); fields.hasNext();) {
            Map.Entry<String, JsonNode> field = fields.next();
            tokens[field.getValue().asInt()] = field.getKey();
        }
        ObjectNode pruned = JSON.createObjectNode();
        for (int id = 0; id < before; id++) {
            if (newId[id] >= 0) {
                pruned.put(tokens[id], newId[id]);
            }
        }
        ((ObjectNode) tokenizer.get("model")).set("vocab", pruned);
        for (JsonNode token : tokenizer.path("added_tokens")) {
            ((ObjectNode) token).put("id", newId[token.path("id").asInt()]);
        }
        for (JsonNode special : tokenizer.path("post_processor").path("special_tokens")) {
            ArrayNode ids = (ArrayNode) special.path("ids");
            for (int i = 0; i < ids.size(); i++) {
                ids.set(i, JSON.getNodeFactory().numberNode(newId[ids.get(i).asInt()]));
            }
        }
        if (tokenizer.path("padding").isObject()) {
            ObjectNode padding = (ObjectNode) tokenizer.get("padding");
            padding.put("pad_id", newId[padding.path("pad_id").asInt()]);
        }

        OnnxMl.ModelProto model = ClassifierExport.parse(graph);
        OnnxMl.GraphProto.Builder builder = model.getGraph().toBuilder();
        boolean found = false;
        int positionsBefore = 0;
        int positions = 0;
        for (int i = 0; i < builder.getInitializerCount(); i++) {
            OnnxMl.TensorProto table = builder.getInitializer(i);
            if (table.getName().equals(POSITION_EMBEDDINGS) && table.getDataType() == OnnxMl.TensorProto.DataType.FLOAT.getNumber()) {
                positionsBefore = (int) table.getDims(0);
                positions = Math.min(positionsBefore, maxLength);
                int width = (int) table.getDims(1);
                float[] rows = Arrays.copyOf(TransformerWeights.floats(table), positions * width);
                builder.setInitializer(i, table.toBuilder().clearDims().addDims(positions).addDims(width).clearFloatData()
                        .setRawData(ClassifierExport.floatTensor("rows", rows).getRawData()));
                continue;
            }
            if (!table.getName().equals(WORD_EMBEDDINGS)) {
                continue;
            }
            if (table.getDataType() != OnnxMl.TensorProto.DataType.FLOAT.getNumber() || table.getDims(0) != before) {
                throw new IllegalArgumentException("the word-embedding table is not the tokenizer's fp32 table");
            }
            int width = (int) table.getDims(1);
            float[] values = TransformerWeights.floats(table);
            float[] rows = new float[next * width];
            for (int id = 0; id < before; id++) {
                if (newId[id] >= 0) {
                    System.arraycopy(values, id * width, rows, newId[id] * width, width);
                }
            }
            builder.setInitializer(i, table.toBuilder().clearDims().addDims(next).addDims(width).clearFloatData()
                    .setRawData(ClassifierExport.floatTensor("rows", rows).getRawData()));
            found = true;
        }
        if (!found) {
            throw new IllegalArgumentException("the graph has no " + WORD_EMBEDDINGS);
        }
        if (positions < positionsBefore) {
            // The ids the graph slices its position lookups from: as many as there are rows left.
            for (int i = 0; i < builder.getInitializerCount(); i++) {
                OnnxMl.TensorProto ids = builder.getInitializer(i);
                if (ids.getName().equals(POSITION_IDS)) {
                    if (ids.getDataType() != OnnxMl.TensorProto.DataType.INT64.getNumber() || ids.getDimsCount() != 2) {
                        throw new IllegalArgumentException("the graph's " + POSITION_IDS + " are not [1, positions] int64");
                    }
                    ByteBuffer raw = ByteBuffer.allocate(8 * positions).order(ByteOrder.LITTLE_ENDIAN);
                    for (long position = 0; position < positions; position++) {
                        raw.putLong(position);
                    }
                    builder.setInitializer(i, ids.toBuilder().clearDims().addDims(1).addDims(positions).clearInt64Data()
                            .setRawData(ByteString.copyFrom(raw.array())));
                }
            }
        }
        byte[] result = model.toBuilder().setGraph(builder).build().toByteArray();
        try {
            return new Result(result, JSON.writeValueAsBytes(tokenizer), before, next, positionsBefore, positions);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The tokenizer set up as the model is served: truncated at {@code maxLength}, padded to the
     * longest text of a batch. Bundles ship this, so a consumer needs no settings of its own.
     */
    public static byte[] servingTokenizer(byte[] tokenizerJson, int maxLength) {
        ObjectNode tokenizer = read(tokenizerJson);
        ObjectNode truncation = JSON.createObjectNode();
        truncation.put("direction", "Right");
        truncation.put("max_length", maxLength);
        truncation.put("strategy", "LongestFirst");
        truncation.put("stride", 0);
        tokenizer.set("truncation", truncation);
        JsonNode padding = tokenizer.path("padding");
        if (padding.isObject()) {
            ((ObjectNode) padding).put("strategy", "BatchLongest");
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(tokenizer);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ObjectNode read(byte[] json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (IOException | ClassCastException e) {
            throw new IllegalArgumentException("not a tokenizer.json", e);
        }
    }
}
