package dev.bonsai.engine.graph;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The trainable weights of a BERT-style encoder graph, found by the roles their nodes play
 * ({@code /encoder/layer.N/attention/self/query/MatMul} and friends), plus the constants the
 * forward pass needs (heads, head size, LayerNorm epsilon, attention mask fill). Weights can be
 * replaced and the graph written out again, so trained weights go back where they came from.
 */
public final class TransformerWeights {

    /** One weight tensor: its initializer name, shape and values (row-major). */
    public record Tensor(String name, long[] shape, float[] values) {
    }

    private final OnnxMl.ModelProto model;
    private final Map<String, Tensor> byRole = new LinkedHashMap<>();
    private final int layers;
    private final int heads;
    private final int headSize;
    private final float epsilon;
    private final float maskFill;

    private TransformerWeights(OnnxMl.ModelProto model) {
        this.model = model;
        Map<String, OnnxMl.TensorProto> initializers = new HashMap<>();
        model.getGraph().getInitializerList().forEach(tensor -> initializers.put(tensor.getName(), tensor));
        Map<String, OnnxMl.NodeProto> nodes = new HashMap<>();
        Map<String, Double> constants = new HashMap<>();
        for (OnnxMl.NodeProto node : model.getGraph().getNodeList()) {
            nodes.put(node.getName(), node);
            if (node.getOpType().equals("Constant") && node.getAttributeCount() > 0) {
                constants.put(node.getName(), scalar(node.getAttribute(0).getT()));
            }
        }
        put("embeddings.word", initializers, "embeddings.word_embeddings.weight");
        put("embeddings.position", initializers, "embeddings.position_embeddings.weight");
        put("embeddings.tokenType", initializers, "embeddings.token_type_embeddings.weight");
        put("embeddings.norm.weight", initializers, "embeddings.LayerNorm.weight");
        put("embeddings.norm.bias", initializers, "embeddings.LayerNorm.bias");
        int layer = 0;
        while (nodes.containsKey("/encoder/layer." + layer + "/attention/self/query/MatMul")) {
            String node = "/encoder/layer." + layer + "/";
            String init = "encoder.layer." + layer + ".";
            String role = "layer." + layer + ".";
            putMatMul(role + "query.weight", initializers, nodes.get(node + "attention/self/query/MatMul"));
            put(role + "query.bias", initializers, init + "attention.self.query.bias");
            putMatMul(role + "key.weight", initializers, nodes.get(node + "attention/self/key/MatMul"));
            put(role + "key.bias", initializers, init + "attention.self.key.bias");
            putMatMul(role + "value.weight", initializers, nodes.get(node + "attention/self/value/MatMul"));
            put(role + "value.bias", initializers, init + "attention.self.value.bias");
            putMatMul(role + "attentionOutput.weight", initializers, nodes.get(node + "attention/output/dense/MatMul"));
            put(role + "attentionOutput.bias", initializers, init + "attention.output.dense.bias");
            put(role + "attentionNorm.weight", initializers, init + "attention.output.LayerNorm.weight");
            put(role + "attentionNorm.bias", initializers, init + "attention.output.LayerNorm.bias");
            putMatMul(role + "intermediate.weight", initializers, nodes.get(node + "intermediate/dense/MatMul"));
            put(role + "intermediate.bias", initializers, init + "intermediate.dense.bias");
            putMatMul(role + "output.weight", initializers, nodes.get(node + "output/dense/MatMul"));
            put(role + "output.bias", initializers, init + "output.dense.bias");
            put(role + "outputNorm.weight", initializers, init + "output.LayerNorm.weight");
            put(role + "outputNorm.bias", initializers, init + "output.LayerNorm.bias");
            layer++;
        }
        this.layers = layer;
        this.heads = constants.get("/encoder/layer.0/attention/self/Constant_2").intValue();
        this.headSize = constants.get("/encoder/layer.0/attention/self/Constant_3").intValue();
        this.epsilon = constants.get("/embeddings/LayerNorm/Constant_1").floatValue();
        this.maskFill = constants.get("/Constant_1").floatValue();
    }

    /** Reads the weights of an encoder graph (the base model's, or a fine-tuned copy). */
    public static TransformerWeights read(byte[] onnxGraph) {
        return new TransformerWeights(ClassifierExport.parse(onnxGraph));
    }

    public Tensor get(String role) {
        Tensor tensor = byRole.get(role);
        if (tensor == null) {
            throw new IllegalArgumentException("no weight with role " + role);
        }
        return tensor;
    }

    /** Role names in graph order: embeddings first, then each layer's. */
    public List<String> roles() {
        return new ArrayList<>(byRole.keySet());
    }

    public int layers() {
        return layers;
    }

    public int heads() {
        return heads;
    }

    public int headSize() {
        return headSize;
    }

    public float epsilon() {
        return epsilon;
    }

    /** What the graph adds to attention scores at padding positions (a large negative number). */
    public float maskFill() {
        return maskFill;
    }

    /** The graph with some weights replaced ({@code role → values}, shapes unchanged). */
    public byte[] withWeights(Map<String, float[]> replacements) {
        Map<String, float[]> byName = new HashMap<>();
        replacements.forEach((role, values) -> {
            Tensor tensor = get(role);
            if (tensor.values().length != values.length) {
                throw new IllegalArgumentException(role + ": " + values.length + " values for " + tensor.values().length);
            }
            byName.put(tensor.name(), values);
        });
        OnnxMl.GraphProto.Builder graph = model.getGraph().toBuilder();
        for (int i = 0; i < graph.getInitializerCount(); i++) {
            float[] values = byName.get(graph.getInitializer(i).getName());
            if (values != null) {
                graph.setInitializer(i, graph.getInitializer(i).toBuilder().clearFloatData().setRawData(bytes(values)));
            }
        }
        return model.toBuilder().setGraph(graph).build().toByteArray();
    }

    private void putMatMul(String role, Map<String, OnnxMl.TensorProto> initializers, OnnxMl.NodeProto node) {
        if (node == null) {
            throw new IllegalArgumentException("the graph is not a BERT encoder: no node for " + role);
        }
        put(role, initializers, node.getInput(1));
    }

    private void put(String role, Map<String, OnnxMl.TensorProto> initializers, String name) {
        OnnxMl.TensorProto tensor = initializers.get(name);
        if (tensor == null) {
            throw new IllegalArgumentException("the graph is not a BERT encoder: no initializer " + name);
        }
        long[] shape = tensor.getDimsList().stream().mapToLong(Long::longValue).toArray();
        byRole.put(role, new Tensor(name, shape, floats(tensor)));
    }

    public static float[] floats(OnnxMl.TensorProto tensor) {
        if (!tensor.getRawData().isEmpty()) {
            ByteBuffer buffer = tensor.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            float[] values = new float[buffer.remaining() / Float.BYTES];
            buffer.asFloatBuffer().get(values);
            return values;
        }
        float[] values = new float[tensor.getFloatDataCount()];
        for (int i = 0; i < values.length; i++) {
            values[i] = tensor.getFloatData(i);
        }
        return values;
    }

    private static ByteString bytes(float[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(values);
        return ByteString.copyFrom(buffer.array());
    }

    private static double scalar(OnnxMl.TensorProto tensor) {
        ByteBuffer raw = tensor.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        return switch (tensor.getDataType()) {
            case 1 -> raw.remaining() >= 4 ? raw.getFloat(0) : tensor.getFloatData(0);
            case 7 -> raw.remaining() >= 8 ? raw.getLong(0) : tensor.getInt64Data(0);
            default -> Double.NaN;
        };
    }
}
