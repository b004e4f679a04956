package dev.bonsai.engine.compress;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import dev.bonsai.engine.graph.ClassifierExport;
import dev.bonsai.engine.graph.TransformerWeights;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Structured pruning by importance, in every layer: the least important attention heads (their
 * query, key and value columns and their rows of the attention output) and the least important
 * feed-forward neurons (their column of the up-projection, their bias and their row of the
 * down-projection) are removed. A head's or neuron's importance is the norm of the weights that
 * read into it times the norm of those that write out of it. The attention reshapes' head counts
 * are rewritten to match, so the graph runs as it is; a short distillation from the unpruned model
 * then recovers what was lost ({@link Compression}).
 */
public final class StructuredPruning {

    private StructuredPruning() {
    }

    public record Result(byte[] graph, int headsBefore, int headsAfter, int neuronsBefore, int neuronsAfter) {
    }

    /** Keeps {@code keep} (0–1) of each layer's heads and feed-forward neurons, at least one of each. */
    public static Result prune(byte[] encoderGraph, double keep) {
        TransformerWeights weights = TransformerWeights.read(encoderGraph);
        int headSize = weights.headSize();
        int heads = weights.heads();
        if (heads == headSize || heads == headSize * heads) {
            throw new IllegalArgumentException("cannot tell the graph's head count from its head size");
        }
        Map<String, OnnxMl.TensorProto> replacements = new HashMap<>();
        Map<Integer, Integer> keptHeads = new HashMap<>();
        int neuronsBefore = 0;
        int neuronsAfter = 0;
        for (int layer = 0; layer < weights.layers(); layer++) {
            String role = "layer." + layer + ".";
            // Attention heads.
            TransformerWeights.Tensor value = weights.get(role + "value.weight");
            TransformerWeights.Tensor output = weights.get(role + "attentionOutput.weight");
            int hidden = (int) value.shape()[0];
            double[] headImportance = new double[heads];
            for (int head = 0; head < heads; head++) {
                double in = 0;
                double out = 0;
                for (int d = head * headSize; d < (head + 1) * headSize; d++) {
                    for (int h = 0; h < hidden; h++) {
                        float v = value.values()[h * heads * headSize + d];
                        float o = output.values()[d * hidden + h];
                        in += v * v;
                        out += o * o;
                    }
                }
                headImportance[head] = Math.sqrt(in) * Math.sqrt(out);
            }
            int[] headsKept = top(headImportance, Math.max(1, (int) Math.round(heads * keep)));
            keptHeads.put(layer, headsKept.length);
            int[] dims = new int[headsKept.length * headSize];
            for (int k = 0; k < headsKept.length; k++) {
                for (int d = 0; d < headSize; d++) {
                    dims[k * headSize + d] = headsKept[k] * headSize + d;
                }
            }
            for (String projection : new String[] {"query", "key", "value"}) {
                TransformerWeights.Tensor weight = weights.get(role + projection + ".weight");
                TransformerWeights.Tensor bias = weights.get(role + projection + ".bias");
                replacements.put(weight.name(), ClassifierExport.floatTensor(weight.name(),
                        columns(weight.values(), hidden, heads * headSize, dims), hidden, dims.length));
                replacements.put(bias.name(), ClassifierExport.floatTensor(bias.name(),
                        columns(bias.values(), 1, heads * headSize, dims), dims.length));
            }
            replacements.put(output.name(), ClassifierExport.floatTensor(output.name(),
                    rows(output.values(), hidden, dims), dims.length, hidden));

            // Feed-forward neurons.
            TransformerWeights.Tensor up = weights.get(role + "intermediate.weight");
            TransformerWeights.Tensor upBias = weights.get(role + "intermediate.bias");
            TransformerWeights.Tensor down = weights.get(role + "output.weight");
            int neurons = (int) up.shape()[1];
            double[] neuronImportance = new double[neurons];
            for (int n = 0; n < neurons; n++) {
                double in = 0;
                for (int h = 0; h < hidden; h++) {
                    in += up.values()[h * neurons + n] * up.values()[h * neurons + n];
                }
                double out = 0;
                for (int h = 0; h < hidden; h++) {
                    out += down.values()[n * hidden + h] * down.values()[n * hidden + h];
                }
                neuronImportance[n] = Math.sqrt(in) * Math.sqrt(out);
            }
            int[] neuronsKept = top(neuronImportance, Math.max(1, (int) Math.round(neurons * keep)));
            replacements.put(up.name(), ClassifierExport.floatTensor(up.name(),
                    columns(up.values(), hidden, neurons, neuronsKept), hidden, neuronsKept.length));
            replacements.put(upBias.name(), ClassifierExport.floatTensor(upBias.name(),
                    columns(upBias.values(), 1, neurons, neuronsKept), neuronsKept.length));
            replacements.put(down.name(), ClassifierExport.floatTensor(down.name(),
                    rows(down.values(), hidden, neuronsKept), neuronsKept.length, hidden));
            neuronsBefore += neurons;
            neuronsAfter += neuronsKept.length;
        }
        OnnxMl.ModelProto model = ClassifierExport.parse(encoderGraph);
        OnnxMl.GraphProto.Builder graph = model.getGraph().toBuilder();
        for (int i = 0; i < graph.getInitializerCount(); i++) {
            OnnxMl.TensorProto replacement = replacements.get(graph.getInitializer(i).getName());
            if (replacement != null) {
                graph.setInitializer(i, replacement);
            }
        }
        // The reshapes into [batch, seq, heads, headSize] and back to [batch, seq, heads · headSize].
        for (int i = 0; i < graph.getNodeCount(); i++) {
            OnnxMl.NodeProto node = graph.getNode(i);
            if (!node.getOpType().equals("Constant") || !node.getName().contains("/attention/self/Constant")) {
                continue;
            }
            int layer = Integer.parseInt(node.getName().replaceAll("^/encoder/layer\\.(\\d+)/.*", "$1"));
            OnnxMl.TensorProto constant = node.getAttribute(0).getT();
            if (constant.getDataType() != OnnxMl.TensorProto.DataType.INT64.getNumber() || constant.getDimsCount() != 1
                    || constant.getDims(0) != 1) {
                continue;
            }
            long current = ByteBuffer.wrap(constant.getRawData().toByteArray()).order(ByteOrder.LITTLE_ENDIAN).getLong();
            long replacement = current == heads ? keptHeads.get(layer)
                    : current == (long) heads * headSize ? (long) keptHeads.get(layer) * headSize : current;
            if (replacement != current) {
                ByteBuffer bytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(replacement);
                graph.setNode(i, node.toBuilder().setAttribute(0, node.getAttribute(0).toBuilder().setT(
                        constant.toBuilder().setRawData(ByteString.copyFrom(bytes.array())))).build());
            }
        }
        int headsAfter = keptHeads.values().stream().mapToInt(Integer::intValue).sum();
        return new Result(model.toBuilder().setGraph(graph).build().toByteArray(), heads * weights.layers(), headsAfter,
                neuronsBefore, neuronsAfter);
    }

    /** Indexes of the {@code count} largest values, ascending. */
    private static int[] top(double[] importance, int count) {
        Integer[] order = new Integer[importance.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(importance[b], importance[a]));
        return Arrays.stream(order, 0, count).mapToInt(Integer::intValue).sorted().toArray();
    }

    /** The columns {@code keep} of a row-major {@code [rows][width]} matrix. */
    private static float[] columns(float[] values, int rows, int width, int[] keep) {
        float[] result = new float[rows * keep.length];
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < keep.length; k++) {
                result[r * keep.length + k] = values[r * width + keep[k]];
            }
        }
        return result;
    }

    /** The rows {@code keep} of a row-major matrix of width {@code width}. */
    private static float[] rows(float[] values, int width, int[] keep) {
        float[] result = new float[keep.length * width];
        for (int k = 0; k < keep.length; k++) {
            System.arraycopy(values, keep[k] * width, result, k * width, width);
        }
        return result;
    }
}
