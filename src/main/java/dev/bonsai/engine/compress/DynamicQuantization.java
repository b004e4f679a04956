package dev.bonsai.engine.compress;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import dev.bonsai.engine.graph.ClassifierExport;
import dev.bonsai.engine.graph.TransformerWeights;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * int8 dynamic quantization of a graph, in the pattern ONNX Runtime runs fast on AVX2: every
 * MatMul with a weight initializer becomes
 * {@code quantize(x) → MatMulInteger(u8 × s8) → Cast → Mul(w_scale) → Mul(x_scale)}, with
 * symmetric per-output-column weight scales (per-tensor scales lose too much, measured min cosine
 * 0.86). The word- and position-embedding tables are stored as int8 rows with a scale per row
 * and dequantized after the lookup. Activations are quantized at run time with one scale per
 * token (not ONNX's DynamicQuantizeLinear, whose one scale over the whole tensor makes a text's
 * output depend on the other texts of its batch), so no calibration data is needed and a text
 * gets the same output alone or in any batch. Opset 11 operations only.
 */
public final class DynamicQuantization {

    /** Weights smaller than this in either dimension stay fp32 (a classifier head, say). */
    private static final int MIN_DIMENSION = 32;
    private static final String PREFIX = "bonsai/int8/";

    private DynamicQuantization() {
    }

    /** What was quantized. */
    public record Report(int matMulsQuantized, boolean embeddingsQuantized, long bytesBefore, long bytesAfter) {
    }

    public record Result(byte[] graph, Report report) {
    }

    public static Result quantize(byte[] graph) {
        return quantize(graph, Map.of());
    }

    /**
     * As {@link #quantize(byte[])}, but the inputs of the MatMuls named in {@code activationRanges}
     * ({@code tensor → [min, max]}, from calibration) are quantized with those fixed ranges
     * (QuantizeLinear, uint8, asymmetric) instead of ranges measured on every run.
     */
    static Result quantize(byte[] graph, Map<String, float[]> activationRanges) {
        OnnxMl.ModelProto model = ClassifierExport.parse(graph);
        OnnxMl.GraphProto.Builder builder = model.getGraph().toBuilder();
        Map<String, OnnxMl.TensorProto> initializers = new HashMap<>();
        builder.getInitializerList().forEach(tensor -> initializers.put(tensor.getName(), tensor));
        Map<String, Integer> uses = new HashMap<>();
        for (OnnxMl.NodeProto node : builder.getNodeList()) {
            node.getInputList().forEach(input -> uses.merge(input, 1, Integer::sum));
        }

        List<OnnxMl.NodeProto> nodes = new ArrayList<>();
        Set<String> replaced = new HashSet<>();
        List<OnnxMl.TensorProto> added = new ArrayList<>();
        Map<String, QuantizedInput> quantizedInputs = new HashMap<>();
        int matMuls = 0;
        boolean embeddings = false;
        for (OnnxMl.NodeProto node : builder.getNodeList()) {
            OnnxMl.TensorProto weight = node.getInputCount() == 2 ? initializers.get(node.getInput(1)) : null;
            if (node.getOpType().equals("MatMul") && quantizable(weight) && uses.get(weight.getName()) == 1) {
                nodes.addAll(quantizedMatMul(node, weight, added, activationRanges.get(node.getInput(0)), quantizedInputs));
                replaced.add(weight.getName());
                matMuls++;
                continue;
            }
            OnnxMl.TensorProto table = node.getOpType().equals("Gather") ? initializers.get(node.getInput(0)) : null;
            if (table != null && isEmbeddingTable(table.getName()) && quantizable(table)
                    && uses.get(table.getName()) == 1) {
                nodes.addAll(quantizedGather(node, table, added));
                replaced.add(table.getName());
                embeddings = true;
                continue;
            }
            nodes.add(node);
        }
        List<OnnxMl.TensorProto> kept = new ArrayList<>();
        for (OnnxMl.TensorProto tensor : builder.getInitializerList()) {
            if (!replaced.contains(tensor.getName())) {
                kept.add(tensor);
            }
        }
        kept.addAll(added);
        builder.clearNode().addAllNode(nodes).clearInitializer().addAllInitializer(kept);
        byte[] result = model.toBuilder().setGraph(builder).build().toByteArray();
        return new Result(result, new Report(matMuls, embeddings, graph.length, result.length));
    }

    private static boolean quantizable(OnnxMl.TensorProto tensor) {
        return tensor != null && tensor.getDataType() == OnnxMl.TensorProto.DataType.FLOAT.getNumber()
                && tensor.getDimsCount() == 2 && tensor.getDims(0) >= MIN_DIMENSION && tensor.getDims(1) >= MIN_DIMENSION;
    }

    /** The names of a MatMul input's quantized values, its scale ({@code [..., 1]} or scalar) and zero point. */
    private record QuantizedInput(String values, String scale, String zeroPoint) {
    }

    /**
     * x·W → x quantized (per token, or with its calibrated range), MatMulInteger with int8 W, Cast, then the
     * product scaled back by w_scale[column] and x_scale. MatMuls that read the same x (query, key and value)
     * share one quantization of it.
     */
    private static List<OnnxMl.NodeProto> quantizedMatMul(OnnxMl.NodeProto node, OnnxMl.TensorProto weight,
            List<OnnxMl.TensorProto> added, float[] range, Map<String, QuantizedInput> quantizedInputs) {
        int rows = (int) weight.getDims(0);
        int columns = (int) weight.getDims(1);
        float[] values = TransformerWeights.floats(weight);
        float[] scales = new float[columns];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                scales[c] = Math.max(scales[c], Math.abs(values[r * columns + c]));
            }
        }
        for (int c = 0; c < columns; c++) {
            scales[c] = scales[c] == 0 ? 1f : scales[c] / 127f;
        }
        byte[] quantized = new byte[values.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                quantized[r * columns + c] = (byte) Math.max(-127, Math.min(127, Math.round(values[r * columns + c] / scales[c])));
            }
        }
        String base = PREFIX + weight.getName();
        added.add(int8Tensor(base + "/quantized", quantized, rows, columns));
        added.add(ClassifierExport.floatTensor(base + "/scale", scales, columns));
        added.add(OnnxMl.TensorProto.newBuilder().setName(base + "/zero").setDataType(OnnxMl.TensorProto.DataType.INT8.getNumber())
                .setRawData(ByteString.copyFrom(new byte[] {0})).build());
        String name = node.getName().isEmpty() ? base : node.getName();
        String out = node.getOutput(0);
        List<OnnxMl.NodeProto> nodes = new ArrayList<>();
        QuantizedInput x = quantizedInputs.get(node.getInput(0));
        if (x == null) {
            x = range == null ? perTokenQuantize(name, node.getInput(0), out, nodes, added)
                    : calibratedQuantize(name, node.getInput(0), out, range, nodes, added);
            quantizedInputs.put(node.getInput(0), x);
        }
        nodes.add(node("MatMulInteger", name + "/matmul_integer",
                List.of(x.values(), base + "/quantized", x.zeroPoint(), base + "/zero"), out + "/int32"));
        nodes.add(castToFloat(name + "/cast", out + "/int32", out + "/float"));
        if (range == null) {
            // Column scales first, then the row's: ONNX Runtime fuses Mul(Cast(MatMulInteger), Mul(a, b)) into
            // MatMulIntegerToFloat, which reads only the first element of a, so a combined per-row scale would
            // silently scale every row by the first token's (measured: cosine to fp32 fell to 0.77).
            nodes.add(node("Mul", name + "/weight_scale", List.of(out + "/float", base + "/scale"), out + "/column_scaled"));
            nodes.add(node("Mul", name + "/dequantize", List.of(out + "/column_scaled", x.scale()), out));
        } else {
            nodes.add(node("Mul", name + "/combined_scale", List.of(x.scale(), base + "/scale"), out + "/scale"));
            nodes.add(node("Mul", name + "/dequantize", List.of(out + "/float", out + "/scale"), out));
        }
        return nodes;
    }

    /**
     * Symmetric int8 quantization of every token's row of {@code x} ({@code [..., K]}) with a scale of its own,
     * {@code x_scale = max|x_row| / 127} ({@code [..., 1]}), stored as uint8 around a zero point of 128 so that
     * MatMulInteger runs its u8 × s8 kernel (ONNX Runtime takes only a scalar zero point for A). A row's
     * quantized values depend on that row alone, so a text's output does not depend on the other texts of its
     * batch nor on how far they are padded.
     */
    private static QuantizedInput perTokenQuantize(String name, String x, String prefix, List<OnnxMl.NodeProto> nodes,
            List<OnnxMl.TensorProto> added) {
        String p = prefix + "/x";
        added.add(ClassifierExport.floatTensor(p + "_levels", new float[] {127f}));
        added.add(ClassifierExport.floatTensor(p + "_floor", new float[] {Float.MIN_NORMAL}));
        added.add(ClassifierExport.floatTensor(p + "_offset", new float[] {128f}));
        added.add(uint8Scalar(p + "_zero", 128));
        nodes.add(node("Abs", name + "/abs", List.of(x), p + "_abs"));
        nodes.add(node("ReduceMax", name + "/row_max", List.of(p + "_abs"), p + "_row_max").toBuilder()
                .addAttribute(OnnxMl.AttributeProto.newBuilder().setName("axes")
                        .setType(OnnxMl.AttributeProto.AttributeType.INTS).addInts(-1))
                .addAttribute(OnnxMl.AttributeProto.newBuilder().setName("keepdims")
                        .setType(OnnxMl.AttributeProto.AttributeType.INT).setI(1))
                .build());
        // An all-zero row keeps a positive scale: its values quantize to the zero point.
        nodes.add(node("Max", name + "/row_max_floor", List.of(p + "_row_max", p + "_floor"), p + "_range"));
        nodes.add(node("Div", name + "/row_scale", List.of(p + "_range", p + "_levels"), p + "_scale"));
        // Multiplying by the reciprocal is cheaper than dividing each of the row's values.
        nodes.add(node("Div", name + "/row_inverse_scale", List.of(p + "_levels", p + "_range"), p + "_inverse_scale"));
        nodes.add(node("Mul", name + "/scale_down", List.of(x, p + "_inverse_scale"), p + "_scaled"));
        nodes.add(node("Round", name + "/round", List.of(p + "_scaled"), p + "_rounded"));
        nodes.add(node("Add", name + "/shift", List.of(p + "_rounded", p + "_offset"), p + "_shifted"));
        nodes.add(OnnxMl.NodeProto.newBuilder().setOpType("Cast").setName(name + "/to_uint8").addInput(p + "_shifted")
                .addOutput(p + "_q").addAttribute(OnnxMl.AttributeProto.newBuilder().setName("to")
                        .setType(OnnxMl.AttributeProto.AttributeType.INT).setI(OnnxMl.TensorProto.DataType.UINT8.getNumber()))
                .build());
        return new QuantizedInput(p + "_q", p + "_scale", p + "_zero");
    }

    /** Asymmetric uint8 quantization of {@code x} with a range fixed by calibration (QuantizeLinear). */
    private static QuantizedInput calibratedQuantize(String name, String x, String prefix, float[] range,
            List<OnnxMl.NodeProto> nodes, List<OnnxMl.TensorProto> added) {
        String p = prefix + "/x";
        // The calibrated range, widened to include 0 so that zero is exact, as DynamicQuantizeLinear does.
        float min = Math.min(0f, range[0]);
        float max = Math.max(0f, range[1]);
        float scale = max > min ? (max - min) / 255f : 1f;
        int zero = Math.max(0, Math.min(255, Math.round(-min / scale)));
        added.add(ClassifierExport.floatTensor(p + "_scale", new float[] {scale}));
        added.add(uint8Scalar(p + "_zero", zero));
        nodes.add(node("QuantizeLinear", name + "/quantize", List.of(x, p + "_scale", p + "_zero"), p + "_q"));
        return new QuantizedInput(p + "_q", p + "_scale", p + "_zero");
    }

    private static OnnxMl.NodeProto node(String opType, String name, List<String> inputs, String output) {
        return OnnxMl.NodeProto.newBuilder().setOpType(opType).setName(name).addAllInput(inputs).addOutput(output).build();
    }

    private static OnnxMl.NodeProto castToFloat(String name, String input, String output) {
        return OnnxMl.NodeProto.newBuilder().setOpType("Cast").setName(name).addInput(input).addOutput(output)
                .addAttribute(OnnxMl.AttributeProto.newBuilder().setName("to")
                        .setType(OnnxMl.AttributeProto.AttributeType.INT).setI(OnnxMl.TensorProto.DataType.FLOAT.getNumber()))
                .build();
    }

    private static OnnxMl.TensorProto uint8Scalar(String name, int value) {
        return OnnxMl.TensorProto.newBuilder().setName(name).setDataType(OnnxMl.TensorProto.DataType.UINT8.getNumber())
                .setRawData(ByteString.copyFrom(new byte[] {(byte) value})).build();
    }

    /** Lookup tables stored as int8 rows (the tiny token-type table stays fp32). */
    private static boolean isEmbeddingTable(String name) {
        return name.contains("word_embeddings") || name.contains("position_embeddings");
    }

    /** Gather(table, ids) → Gather(int8 table, ids) · Gather(row scales, ids). */
    private static List<OnnxMl.NodeProto> quantizedGather(OnnxMl.NodeProto node, OnnxMl.TensorProto table,
            List<OnnxMl.TensorProto> added) {
        int rows = (int) table.getDims(0);
        int columns = (int) table.getDims(1);
        float[] values = TransformerWeights.floats(table);
        float[] scales = new float[rows];
        byte[] quantized = new byte[values.length];
        for (int r = 0; r < rows; r++) {
            float max = 0;
            for (int c = 0; c < columns; c++) {
                max = Math.max(max, Math.abs(values[r * columns + c]));
            }
            scales[r] = max == 0 ? 1f : max / 127f;
            for (int c = 0; c < columns; c++) {
                quantized[r * columns + c] = (byte) Math.max(-127, Math.min(127, Math.round(values[r * columns + c] / scales[r])));
            }
        }
        String base = PREFIX + table.getName();
        added.add(int8Tensor(base + "/quantized", quantized, rows, columns));
        added.add(ClassifierExport.floatTensor(base + "/scale", scales, rows, 1));
        String ids = node.getInput(1);
        String out = node.getOutput(0);
        String name = node.getName().isEmpty() ? base : node.getName();
        List<OnnxMl.NodeProto> nodes = new ArrayList<>();
        nodes.add(OnnxMl.NodeProto.newBuilder().setOpType("Gather").setName(name + "/rows").addInput(base + "/quantized")
                .addInput(ids).addOutput(out + "/int8").build());
        nodes.add(OnnxMl.NodeProto.newBuilder().setOpType("Cast").setName(name + "/cast").addInput(out + "/int8")
                .addOutput(out + "/float").addAttribute(OnnxMl.AttributeProto.newBuilder().setName("to")
                        .setType(OnnxMl.AttributeProto.AttributeType.INT).setI(OnnxMl.TensorProto.DataType.FLOAT.getNumber()))
                .build());
        nodes.add(OnnxMl.NodeProto.newBuilder().setOpType("Gather").setName(name + "/scales").addInput(base + "/scale")
                .addInput(ids).addOutput(out + "/scale").build());
        nodes.add(OnnxMl.NodeProto.newBuilder().setOpType("Mul").setName(name + "/dequantize").addInput(out + "/float")
                .addInput(out + "/scale").addOutput(out).build());
        return nodes;
    }

    private static OnnxMl.TensorProto int8Tensor(String name, byte[] values, long... dims) {
        OnnxMl.TensorProto.Builder tensor = OnnxMl.TensorProto.newBuilder().setName(name)
                .setDataType(OnnxMl.TensorProto.DataType.INT8.getNumber()).setRawData(ByteString.copyFrom(values));
        for (long dim : dims) {
            tensor.addDims(dim);
        }
        return tensor.build();
    }
}
