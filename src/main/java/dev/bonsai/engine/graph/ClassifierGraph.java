package dev.bonsai.engine.graph;

import ai.onnx.proto.OnnxMl;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bonsai.engine.compress.Compression;
import dev.bonsai.engine.train.Matrices;
import dev.bonsai.engine.train.SoftmaxHead;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads an exported classifier graph ({@link ClassifierExport}) back into its parts: the encoder
 * graph that computes {@code last_hidden_state}, the softmax head, the labels and the metadata.
 * Compression starts from these parts; graph transforms that work on the whole classifier use
 * {@link #withMetadata} to record what they did.
 */
public final class ClassifierGraph {

    private static final String HIDDEN = "last_hidden_state";
    private static final ObjectMapper JSON = new ObjectMapper();

    private ClassifierGraph() {
    }

    public record Parts(byte[] encoderGraph, SoftmaxHead head, List<String> labels, Map<String, String> metadata) {
    }

    public static Parts split(byte[] classifier) {
        OnnxMl.ModelProto model = ClassifierExport.parse(classifier);
        OnnxMl.GraphProto graph = model.getGraph();
        Map<String, OnnxMl.NodeProto> producers = new HashMap<>();
        graph.getNodeList().forEach(node -> node.getOutputList().forEach(output -> producers.put(output, node)));
        Set<OnnxMl.NodeProto> needed = new HashSet<>();
        Set<String> names = new HashSet<>();
        Deque<String> pending = new ArrayDeque<>(List.of(HIDDEN));
        while (!pending.isEmpty()) {
            String tensor = pending.pop();
            if (!names.add(tensor)) {
                continue;
            }
            OnnxMl.NodeProto producer = producers.get(tensor);
            if (producer != null && needed.add(producer)) {
                pending.addAll(producer.getInputList());
            }
        }
        if (!producers.containsKey(HIDDEN)) {
            throw new IllegalArgumentException("not a classifier graph: no " + HIDDEN);
        }
        OnnxMl.GraphProto.Builder encoder = graph.toBuilder().clearNode().clearInitializer().clearOutput().clearValueInfo();
        graph.getNodeList().stream().filter(needed::contains).forEach(encoder::addNode);
        graph.getInitializerList().stream().filter(tensor -> names.contains(tensor.getName())).forEach(encoder::addInitializer);
        encoder.clearInput();
        graph.getInputList().stream().filter(input -> names.contains(input.getName())).forEach(encoder::addInput);
        Map<String, OnnxMl.TensorProto> initializers = new HashMap<>();
        graph.getInitializerList().forEach(tensor -> initializers.put(tensor.getName(), tensor));
        OnnxMl.TensorProto weight = initializers.get("bonsai/head/weight");
        OnnxMl.TensorProto bias = initializers.get("bonsai/head/bias");
        if (weight == null || bias == null) {
            throw new IllegalArgumentException("not a classifier graph: no head");
        }
        int dimensions = (int) weight.getDims(0);
        encoder.addOutput(hiddenOutput(dimensions));
        Map<String, String> metadata = new LinkedHashMap<>();
        model.getMetadataPropsList().forEach(entry -> metadata.put(entry.getKey(), entry.getValue()));
        List<String> labels = labels(metadata.get(ClassifierExport.LABELS_KEY));
        metadata.remove(ClassifierExport.LABELS_KEY);
        SoftmaxHead head = new SoftmaxHead(Matrices.unflatten(TransformerWeights.floats(weight), dimensions),
                TransformerWeights.floats(bias));
        byte[] encoderGraph = model.toBuilder().setGraph(encoder).clearMetadataProps().build().toByteArray();
        return new Parts(encoderGraph, head, labels, metadata);
    }

    /** The labels a classifier graph was exported with, in its output order. */
    public static List<String> labels(byte[] classifier) {
        return labels(metadata(classifier).get(ClassifierExport.LABELS_KEY));
    }

    /** The graph's metadata properties. */
    public static Map<String, String> metadata(byte[] graph) {
        Map<String, String> metadata = new LinkedHashMap<>();
        ClassifierExport.parse(graph).getMetadataPropsList().forEach(entry -> metadata.put(entry.getKey(), entry.getValue()));
        return metadata;
    }

    /** The graph with {@code entries} added to its metadata (replacing keys it already has). */
    public static byte[] withMetadata(byte[] graph, Map<String, String> entries) {
        OnnxMl.ModelProto model = ClassifierExport.parse(graph);
        Map<String, String> metadata = new LinkedHashMap<>();
        model.getMetadataPropsList().forEach(entry -> metadata.put(entry.getKey(), entry.getValue()));
        metadata.putAll(entries);
        OnnxMl.ModelProto.Builder builder = model.toBuilder().clearMetadataProps();
        metadata.forEach((key, value) -> builder.addMetadataProps(
                OnnxMl.StringStringEntryProto.newBuilder().setKey(key).setValue(value)));
        return builder.build().toByteArray();
    }

    private static List<String> labels(String json) {
        if (json == null) {
            throw new IllegalArgumentException("not a classifier graph: no " + ClassifierExport.LABELS_KEY);
        }
        try {
            List<String> labels = new ArrayList<>();
            JSON.readTree(json).forEach(node -> labels.add(node.asText()));
            return labels;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the graph's labels are not a JSON array", e);
        }
    }

    private static OnnxMl.ValueInfoProto hiddenOutput(int width) {
        OnnxMl.TensorShapeProto shape = OnnxMl.TensorShapeProto.newBuilder()
                .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("batch_size"))
                .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("sequence_length"))
                .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(width)).build();
        return OnnxMl.ValueInfoProto.newBuilder().setName(HIDDEN).setType(OnnxMl.TypeProto.newBuilder()
                .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
                        .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()).setShape(shape))).build();
    }
}
