package dev.bonsai.engine.graph;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import dev.bonsai.engine.BaseModel;
import dev.bonsai.engine.runtime.Encoder;
import dev.bonsai.engine.runtime.Pooling;
import dev.bonsai.engine.train.Matrices;
import dev.bonsai.engine.train.SoftmaxHead;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;

/**
 * Turns an encoder graph and a trained head into one self-contained classifier graph: tokens in
 * ({@code input_ids}, {@code attention_mask}, {@code token_type_ids}), {@code probabilities}
 * {@code [batch, classes]} and the pooled, L2-normalised {@code embedding} {@code [batch, dim]}
 * out. Pooling and normalisation are written with the same operations, in the same order, as
 * {@link Encoder} computes them, so ONNX Runtime on the export reproduces the trainer's
 * probabilities to about 1e-6. Labels and provenance go into the model's metadata.
 */
public final class ClassifierExport {

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    public static final String PROBABILITIES = "probabilities";
    public static final String EMBEDDING = "embedding";
    public static final String LABELS_KEY = "bonsai.labels";

    private static final String HIDDEN = "last_hidden_state";
    private static final String PREFIX = "bonsai/";

    private ClassifierExport() {
    }

    /**
     * @param encoderGraph an encoder with the base model's inputs and {@code last_hidden_state}
     * @param labels class names in the head's column order
     * @param metadata provenance, stored as metadata_props (labels are added as a JSON array)
     */
    public static byte[] export(byte[] encoderGraph, BaseModel model, SoftmaxHead head, List<String> labels,
            Map<String, String> metadata) {
        if (labels.size() != head.classes()) {
            throw new IllegalArgumentException(labels.size() + " labels for a head of " + head.classes() + " classes");
        }
        OnnxMl.ModelProto encoder = parse(encoderGraph);
        OnnxMl.GraphProto.Builder graph = encoder.getGraph().toBuilder();
        String pooled = model.pooling() == BaseModel.Pooling.CLS ? clsPooling(graph) : meanPooling(graph);
        l2Normalise(graph, pooled, EMBEDDING);
        graph.addInitializer(floatTensor(PREFIX + "head/weight", Matrices.flatten(head.weights()), head.dimensions(), head.classes()));
        graph.addInitializer(floatTensor(PREFIX + "head/bias", head.bias(), head.classes()));
        graph.addNode(node("MatMul", "head/matmul", List.of(EMBEDDING, PREFIX + "head/weight"), PREFIX + "logits_nobias"));
        graph.addNode(node("Add", "head/add", List.of(PREFIX + "logits_nobias", PREFIX + "head/bias"), PREFIX + "logits"));
        graph.addNode(node("Softmax", "head/softmax", List.of(PREFIX + "logits"), PROBABILITIES).toBuilder()
                .addAttribute(intAttribute("axis", 1)).build());
        graph.clearOutput();
        graph.addOutput(output(PROBABILITIES, head.classes()));
        graph.addOutput(output(EMBEDDING, head.dimensions()));
        graph.setName(encoder.getGraph().getName() + "-classifier");

        OnnxMl.ModelProto.Builder result = encoder.toBuilder().setGraph(graph).setProducerName("bonsai")
                .clearMetadataProps();
        metadata.forEach((key, value) -> result.addMetadataProps(
                OnnxMl.StringStringEntryProto.newBuilder().setKey(key).setValue(value)));
        result.addMetadataProps(OnnxMl.StringStringEntryProto.newBuilder().setKey(LABELS_KEY).setValue(labelsJson(labels)));
        return result.build().toByteArray();
    }

    /**
     * An embedding model's graph: the encoder with the same pooling and normalisation as {@link
     * #export}, and the pooled, L2-normalised {@code embedding} {@code [batch, dim]} as its only
     * output. Provenance goes into the model's metadata; there are no labels.
     */
    public static byte[] exportEmbedder(byte[] encoderGraph, BaseModel model, Map<String, String> metadata) {
        OnnxMl.ModelProto encoder = parse(encoderGraph);
        OnnxMl.GraphProto.Builder graph = encoder.getGraph().toBuilder();
        String pooled = model.pooling() == BaseModel.Pooling.CLS ? clsPooling(graph) : meanPooling(graph);
        l2Normalise(graph, pooled, EMBEDDING);
        graph.clearOutput();
        graph.addOutput(output(EMBEDDING, model.dimensions()));
        graph.setName(encoder.getGraph().getName() + "-embedder");
        OnnxMl.ModelProto.Builder result = encoder.toBuilder().setGraph(graph).setProducerName("bonsai")
                .clearMetadataProps();
        metadata.forEach((key, value) -> result.addMetadataProps(
                OnnxMl.StringStringEntryProto.newBuilder().setKey(key).setValue(value)));
        return result.build().toByteArray();
    }

    private static String labelsJson(List<String> labels) {
        try {
            return JSON.writeValueAsString(labels);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("A list of strings is always JSON", e);
        }
    }

    /**
     * Mean over real tokens, as a batched MatMul of each row's weights {@code mask / max(sum(mask), eps)}
     * ({@code [B, 1, S]}) with its hidden states ({@code [B, S, D]}). Not ReduceSum over the sequence axis:
     * ONNX Runtime sums a batch of one in another order than a larger batch, so a text's embedding would
     * differ in its last bits with the size of the batch it was sent in.
     */
    private static String meanPooling(OnnxMl.GraphProto.Builder graph) {
        graph.addInitializer(floatTensor(PREFIX + "epsilon", new float[] {Pooling.EPSILON}));
        graph.addNode(node("Cast", "pool/cast", List.of("attention_mask"), PREFIX + "mask").toBuilder()
                .addAttribute(intAttribute("to", OnnxMl.TensorProto.DataType.FLOAT.getNumber())).build());
        graph.addNode(reduceSum("pool/count", PREFIX + "mask", PREFIX + "count", 1));
        graph.addNode(node("Max", "pool/max", List.of(PREFIX + "count", PREFIX + "epsilon"), PREFIX + "count_safe"));
        graph.addNode(node("Div", "pool/weights", List.of(PREFIX + "mask", PREFIX + "count_safe"), PREFIX + "weights"));
        graph.addNode(node("Unsqueeze", "pool/unsqueeze", List.of(PREFIX + "weights"), PREFIX + "weights3").toBuilder()
                .addAttribute(intsAttribute("axes", 1)).build());
        graph.addNode(node("MatMul", "pool/matmul", List.of(PREFIX + "weights3", HIDDEN), PREFIX + "pooled3"));
        graph.addNode(node("Squeeze", "pool/squeeze", List.of(PREFIX + "pooled3"), PREFIX + "pooled").toBuilder()
                .addAttribute(intsAttribute("axes", 1)).build());
        return PREFIX + "pooled";
    }

    /** The first token's hidden state. */
    private static String clsPooling(OnnxMl.GraphProto.Builder graph) {
        graph.addInitializer(OnnxMl.TensorProto.newBuilder().setName(PREFIX + "first")
                .setDataType(OnnxMl.TensorProto.DataType.INT64.getNumber()).addInt64Data(0).build());
        graph.addNode(node("Gather", "pool/gather", List.of(HIDDEN, PREFIX + "first"), PREFIX + "pooled").toBuilder()
                .addAttribute(intAttribute("axis", 1)).build());
        return PREFIX + "pooled";
    }

    /** x / max(sqrt(sum(x · x)), eps), per row. */
    private static void l2Normalise(OnnxMl.GraphProto.Builder graph, String input, String output) {
        if (graph.getInitializerList().stream().noneMatch(tensor -> tensor.getName().equals(PREFIX + "epsilon"))) {
            graph.addInitializer(floatTensor(PREFIX + "epsilon", new float[] {Pooling.EPSILON}));
        }
        graph.addNode(node("Mul", "norm/square", List.of(input, input), PREFIX + "squares"));
        graph.addNode(reduceSum("norm/sum", PREFIX + "squares", PREFIX + "sum_squares", 1));
        graph.addNode(node("Sqrt", "norm/sqrt", List.of(PREFIX + "sum_squares"), PREFIX + "norm"));
        graph.addNode(node("Max", "norm/max", List.of(PREFIX + "norm", PREFIX + "epsilon"), PREFIX + "norm_safe"));
        graph.addNode(node("Div", "norm/div", List.of(input, PREFIX + "norm_safe"), output));
    }

    /** ReduceSum over axis 1 (opset 11: axes is an attribute). */
    private static OnnxMl.NodeProto reduceSum(String name, String input, String output, int keepDims) {
        return node("ReduceSum", name, List.of(input), output).toBuilder()
                .addAttribute(intsAttribute("axes", 1))
                .addAttribute(intAttribute("keepdims", keepDims)).build();
    }

    private static OnnxMl.NodeProto node(String op, String name, List<String> inputs, String output) {
        return OnnxMl.NodeProto.newBuilder().setOpType(op).setName(PREFIX + name).addAllInput(inputs).addOutput(output)
                .build();
    }

    private static OnnxMl.AttributeProto intAttribute(String name, long value) {
        return OnnxMl.AttributeProto.newBuilder().setName(name).setType(OnnxMl.AttributeProto.AttributeType.INT)
                .setI(value).build();
    }

    private static OnnxMl.AttributeProto intsAttribute(String name, long value) {
        return OnnxMl.AttributeProto.newBuilder().setName(name).setType(OnnxMl.AttributeProto.AttributeType.INTS)
                .addInts(value).build();
    }

    public static OnnxMl.TensorProto floatTensor(String name, float[] values, long... dims) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float value : values) {
            bytes.putFloat(value);
        }
        bytes.flip();
        OnnxMl.TensorProto.Builder tensor = OnnxMl.TensorProto.newBuilder().setName(name)
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()).setRawData(ByteString.copyFrom(bytes));
        for (long dim : dims) {
            tensor.addDims(dim);
        }
        return tensor.build();
    }

    private static OnnxMl.ValueInfoProto output(String name, int width) {
        OnnxMl.TensorShapeProto shape = OnnxMl.TensorShapeProto.newBuilder()
                .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("batch"))
                .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(width)).build();
        return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder()
                .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
                        .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()).setShape(shape))).build();
    }

    public static OnnxMl.ModelProto parse(byte[] graph) {
        try {
            CodedInputStream input = CodedInputStream.newInstance(graph);
            input.setSizeLimit(Integer.MAX_VALUE);
            return OnnxMl.ModelProto.parseFrom(input);
        } catch (IOException e) {
            throw new UncheckedIOException("not an ONNX model", e);
        }
    }
}
