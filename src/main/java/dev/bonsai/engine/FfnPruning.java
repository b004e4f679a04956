package dev.bonsai.engine;

import ai.onnx.proto.OnnxMl;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Structured pruning of the feed-forward blocks: in every layer, the intermediate neurons with the
 * least importance are removed — their column of the up-projection, their bias and their row of
 * the down-projection. Importance is the product of the two weight vectors' norms (a neuron that
 * barely reads its input or barely writes to the output contributes little). The graph's shapes
 * follow from the weights, so the result runs as it is; a short distillation from the unpruned
 * model then recovers what was lost ({@link Compression}).
 */
public final class FfnPruning {

    private FfnPruning() {
    }

    public record Result(byte[] graph, int neuronsBefore, int neuronsAfter) {
    }

    /** Keeps {@code keep} (0–1) of each layer's intermediate neurons, at least one. */
    public static Result prune(byte[] encoderGraph, double keep) {
        TransformerWeights weights = TransformerWeights.read(encoderGraph);
        Map<String, OnnxMl.TensorProto> replacements = new HashMap<>();
        int before = 0;
        int after = 0;
        for (int layer = 0; layer < weights.layers(); layer++) {
            String role = "layer." + layer + ".";
            TransformerWeights.Tensor up = weights.get(role + "intermediate.weight");
            TransformerWeights.Tensor bias = weights.get(role + "intermediate.bias");
            TransformerWeights.Tensor down = weights.get(role + "output.weight");
            int hidden = (int) up.shape()[0];
            int neurons = (int) up.shape()[1];
            double[] importance = new double[neurons];
            for (int n = 0; n < neurons; n++) {
                double in = 0;
                for (int h = 0; h < hidden; h++) {
                    in += up.values()[h * neurons + n] * up.values()[h * neurons + n];
                }
                double out = 0;
                for (int h = 0; h < hidden; h++) {
                    out += down.values()[n * hidden + h] * down.values()[n * hidden + h];
                }
                importance[n] = Math.sqrt(in) * Math.sqrt(out);
            }
            int kept = Math.max(1, (int) Math.round(neurons * keep));
            Integer[] order = new Integer[neurons];
            for (int n = 0; n < neurons; n++) {
                order[n] = n;
            }
            Arrays.sort(order, (a, b) -> Double.compare(importance[b], importance[a]));
            int[] keptNeurons = Arrays.stream(order, 0, kept).mapToInt(Integer::intValue).sorted().toArray();
            float[] newUp = new float[hidden * kept];
            float[] newBias = new float[kept];
            float[] newDown = new float[kept * hidden];
            for (int k = 0; k < kept; k++) {
                int n = keptNeurons[k];
                for (int h = 0; h < hidden; h++) {
                    newUp[h * kept + k] = up.values()[h * neurons + n];
                }
                newBias[k] = bias.values()[n];
                System.arraycopy(down.values(), n * hidden, newDown, k * hidden, hidden);
            }
            replacements.put(up.name(), ClassifierExport.floatTensor(up.name(), newUp, hidden, kept));
            replacements.put(bias.name(), ClassifierExport.floatTensor(bias.name(), newBias, kept));
            replacements.put(down.name(), ClassifierExport.floatTensor(down.name(), newDown, kept, hidden));
            before += neurons;
            after += kept;
        }
        OnnxMl.ModelProto model = ClassifierExport.parse(encoderGraph);
        OnnxMl.GraphProto.Builder graph = model.getGraph().toBuilder();
        for (int i = 0; i < graph.getInitializerCount(); i++) {
            OnnxMl.TensorProto replacement = replacements.get(graph.getInitializer(i).getName());
            if (replacement != null) {
                graph.setInitializer(i, replacement);
            }
        }
        return new Result(model.toBuilder().setGraph(graph).build().toByteArray(), before, after);
    }
}
