package dev.bonsai.engine.compress;

import ai.onnx.proto.OnnxMl;
import dev.bonsai.engine.graph.ClassifierExport;
import dev.bonsai.engine.graph.TransformerWeights;
import dev.bonsai.engine.train.DjlEncoder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Cuts transformer layers out of an encoder graph: the kept layers are chained in order, renamed
 * to {@code layer.0 … layer.k-1} (so {@link TransformerWeights} and {@link DjlEncoder} read the
 * student like any encoder) and the weights of the others are removed. The result is the starting
 * point of a student that is then distilled from the full model.
 */
public final class LayerDropping {

    private LayerDropping() {
    }

    /**
     * {@code keep} layers spread evenly over {@code layers}, always including the last one (its
     * output is the graph's {@code last_hidden_state}): 3 of 6 gives 1, 3, 5.
     */
    public static int[] evenlySpread(int layers, int keep) {
        if (keep < 1 || keep > layers) {
            throw new IllegalArgumentException("cannot keep " + keep + " of " + layers + " layers");
        }
        int[] kept = new int[keep];
        for (int i = 0; i < keep; i++) {
            kept[i] = (int) Math.round((double) (i + 1) * layers / keep) - 1;
        }
        return kept;
    }

    /** The encoder with only the layers {@code kept} (ascending, the last layer included). */
    public static byte[] keepLayers(byte[] encoderGraph, int[] kept) {
        OnnxMl.ModelProto model = ClassifierExport.parse(encoderGraph);
        OnnxMl.GraphProto graph = model.getGraph();
        int layers = TransformerWeights.read(encoderGraph).layers();
        if (kept.length == 0 || kept[kept.length - 1] != layers - 1) {
            throw new IllegalArgumentException("the last layer must be kept");
        }
        for (int i = 1; i < kept.length; i++) {
            if (kept[i] <= kept[i - 1]) {
                throw new IllegalArgumentException("kept layers must be ascending");
            }
        }
        // Each layer's nodes, its hidden-state output (what the next layer reads) and, for layer 0,
        // the embeddings' output it reads.
        Map<String, Integer> layerOfTensor = new HashMap<>();
        Map<String, String> producerName = new HashMap<>();
        for (OnnxMl.NodeProto node : graph.getNodeList()) {
            int layer = layerOf(node.getName());
            node.getOutputList().forEach(output -> {
                layerOfTensor.put(output, layer);
                producerName.put(output, node.getName());
            });
        }
        String[] outputs = new String[layers];
        Map<String, Set<Integer>> readers = new HashMap<>();
        for (OnnxMl.NodeProto node : graph.getNodeList()) {
            int layer = layerOf(node.getName());
            for (String input : node.getInputList()) {
                readers.computeIfAbsent(input, key -> new HashSet<>()).add(layer);
                Integer producer = layerOfTensor.get(input);
                if (producer != null && producer >= 0 && producer != layer) {
                    outputs[producer] = input;
                }
            }
        }
        outputs[layers - 1] = "last_hidden_state";
        String embeddings = null;
        for (Map.Entry<String, Set<Integer>> entry : readers.entrySet()) {
            String producer = producerName.get(entry.getKey());
            if (producer != null && producer.startsWith("/embeddings/") && entry.getValue().contains(0)) {
                embeddings = entry.getKey();
            }
        }
        if (embeddings == null) {
            throw new IllegalArgumentException("could not find the embeddings' output");
        }
        Map<String, String> rewire = new HashMap<>();
        Map<Integer, Integer> renumber = new HashMap<>();
        String previous = embeddings;
        for (int i = 0; i < kept.length; i++) {
            String input = kept[i] == 0 ? embeddings : outputs[kept[i] - 1];
            rewire.put(input, previous);
            renumber.put(kept[i], i);
            previous = outputs[kept[i]];
        }

        // Older exports also list every initializer as a graph input; only the real inputs are kept.
        Set<String> initializerNames = new HashSet<>();
        graph.getInitializerList().forEach(tensor -> initializerNames.add(tensor.getName()));
        OnnxMl.GraphProto.Builder result = graph.toBuilder().clearNode().clearInitializer().clearValueInfo().clearInput();
        graph.getInputList().stream().filter(input -> !initializerNames.contains(input.getName())).forEach(result::addInput);
        Set<String> used = new HashSet<>();
        for (OnnxMl.NodeProto node : graph.getNodeList()) {
            int layer = layerOf(node.getName());
            if (layer >= 0 && !renumber.containsKey(layer)) {
                continue;
            }
            OnnxMl.NodeProto.Builder copy = node.toBuilder().clearInput().clearOutput()
                    .setName(rename(node.getName(), renumber));
            for (String input : node.getInputList()) {
                String source = layer >= 0 ? rewire.getOrDefault(input, input) : input;
                copy.addInput(rename(source, renumber));
                used.add(rename(source, renumber));
            }
            node.getOutputList().forEach(output -> copy.addOutput(rename(output, renumber)));
            result.addNode(copy);
        }
        for (OnnxMl.TensorProto tensor : graph.getInitializerList()) {
            int layer = layerOf(tensor.getName());
            if (layer >= 0 && !renumber.containsKey(layer)) {
                continue;
            }
            String name = rename(tensor.getName(), renumber);
            if (used.contains(name)) {
                result.addInitializer(tensor.toBuilder().setName(name));
            }
        }
        return model.toBuilder().setGraph(result).build().toByteArray();
    }

    /** The layer a node or tensor belongs to by its name, or -1 outside the layers. */
    private static int layerOf(String name) {
        int at = name.indexOf("layer.");
        if (at < 0 || !(name.startsWith("/encoder/layer.") || name.startsWith("encoder.layer."))) {
            return -1;
        }
        int start = at + "layer.".length();
        int end = start;
        while (end < name.length() && Character.isDigit(name.charAt(end))) {
            end++;
        }
        return end == start ? -1 : Integer.parseInt(name.substring(start, end));
    }

    private static String rename(String name, Map<Integer, Integer> renumber) {
        int layer = layerOf(name);
        if (layer < 0) {
            return name;
        }
        Integer to = renumber.get(layer);
        if (to == null) {
            return name;
        }
        String prefix = name.startsWith("/") ? "/encoder/layer." : "encoder.layer.";
        return prefix + to + name.substring(prefix.length() + Integer.toString(layer).length());
    }

    static List<Integer> asList(int[] values) {
        List<Integer> list = new ArrayList<>();
        for (int value : values) {
            list.add(value);
        }
        return list;
    }
}
