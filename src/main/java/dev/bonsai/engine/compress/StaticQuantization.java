package dev.bonsai.engine.compress;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.bonsai.engine.graph.ClassifierExport;
import dev.bonsai.engine.runtime.ClassifierRunner;
import dev.bonsai.engine.runtime.Encoder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * int8 static quantization: the same int8 weights as {@link DynamicQuantization}, with the
 * activation ranges of every quantized MatMul calibrated once on the tenant's texts instead of
 * measured on every run. Calibration runs the fp32 graph with those activations as extra outputs
 * over at most {@value #MAX_CALIBRATION_TEXTS} texts (spread evenly over the data) and keeps only
 * a minimum and maximum per tensor, so memory is bounded however large the dataset; only real
 * tokens count, not padding.
 */
public final class StaticQuantization {

    static final int MAX_CALIBRATION_TEXTS = 512;
    private static final int BATCH = 16;

    private StaticQuantization() {
    }

    public record Result(byte[] graph, int matMulsQuantized, int calibrationTexts) {
    }

    public static Result quantize(byte[] graph, byte[] tokenizerJson, int maxLength, List<String> texts) {
        List<String> sample = new ArrayList<>();
        double step = Math.max(1.0, (double) texts.size() / MAX_CALIBRATION_TEXTS);
        for (double i = 0; i < texts.size() && sample.size() < MAX_CALIBRATION_TEXTS; i += step) {
            sample.add(texts.get((int) i));
        }
        Map<String, float[]> ranges = calibrate(graph, tokenizerJson, maxLength, sample);
        DynamicQuantization.Result quantized = DynamicQuantization.quantize(graph, ranges);
        return new Result(quantized.graph(), quantized.report().matMulsQuantized(), sample.size());
    }

    /** {@code [min, max]} over real tokens of the first input of every MatMul with a weight initializer. */
    static Map<String, float[]> calibrate(byte[] graph, byte[] tokenizerJson, int maxLength, List<String> texts) {
        OnnxMl.ModelProto model = ClassifierExport.parse(graph);
        Map<String, OnnxMl.TensorProto> initializers = new HashMap<>();
        model.getGraph().getInitializerList().forEach(tensor -> initializers.put(tensor.getName(), tensor));
        List<String> activations = new ArrayList<>();
        for (OnnxMl.NodeProto node : model.getGraph().getNodeList()) {
            if (node.getOpType().equals("MatMul") && node.getInputCount() == 2 && initializers.containsKey(node.getInput(1))
                    && !activations.contains(node.getInput(0))) {
                activations.add(node.getInput(0));
            }
        }
        OnnxMl.GraphProto.Builder probe = model.getGraph().toBuilder();
        for (String activation : activations) {
            probe.addOutput(OnnxMl.ValueInfoProto.newBuilder().setName(activation).setType(OnnxMl.TypeProto.newBuilder()
                    .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
                            .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()))));
        }
        byte[] probeGraph = model.toBuilder().setGraph(probe).build().toByteArray();
        Map<String, float[]> ranges = new LinkedHashMap<>();
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        try (HuggingFaceTokenizer tokenizer = ClassifierRunner.tokenizer(tokenizerJson, maxLength);
                OrtSession.SessionOptions options = Encoder.sessionOptions(new Encoder.Options(1, BATCH, maxLength))) {
            // Optimisations would fuse the probed tensors away.
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
            try (OrtSession session = environment.createSession(probeGraph, options)) {
                for (int start = 0; start < texts.size(); start += BATCH) {
                    Encoding[] encodings = tokenizer.batchEncode(texts.subList(start, Math.min(texts.size(), start + BATCH)));
                    long[][] ids = new long[encodings.length][];
                    long[][] mask = new long[encodings.length][];
                    long[][] types = new long[encodings.length][];
                    for (int i = 0; i < encodings.length; i++) {
                        ids[i] = encodings[i].getIds();
                        mask[i] = encodings[i].getAttentionMask();
                        types[i] = encodings[i].getTypeIds();
                    }
                    Map<String, OnnxTensor> inputs = new HashMap<>();
                    try {
                        inputs.put("input_ids", OnnxTensor.createTensor(environment, ids));
                        inputs.put("attention_mask", OnnxTensor.createTensor(environment, mask));
                        if (session.getInputNames().contains("token_type_ids")) {
                            inputs.put("token_type_ids", OnnxTensor.createTensor(environment, types));
                        }
                        try (OrtSession.Result result = session.run(inputs, new java.util.HashSet<>(activations))) {
                            for (String activation : activations) {
                                record(ranges, activation, result.get(activation).orElseThrow(), mask);
                            }
                        }
                    } finally {
                        inputs.values().forEach(OnnxTensor::close);
                    }
                }
            }
        } catch (OrtException e) {
            throw new IllegalStateException("calibration failed", e);
        }
        return ranges;
    }

    /** Widens the range of {@code name} by the values at real tokens ([batch, seq, width]) or all rows. */
    private static void record(Map<String, float[]> ranges, String name, OnnxValue value, long[][] mask) {
        OnnxTensor tensor = (OnnxTensor) value;
        long[] shape = tensor.getInfo().getShape();
        FloatBuffer values = tensor.getFloatBuffer();
        float[] range = ranges.computeIfAbsent(name, key -> new float[] {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY});
        int width = (int) shape[shape.length - 1];
        int rows = values.remaining() / width;
        boolean perToken = shape.length == 3 && shape[0] == mask.length && shape[1] == mask[0].length;
        for (int row = 0; row < rows; row++) {
            if (perToken && mask[row / (int) shape[1]][row % (int) shape[1]] == 0) {
                continue;
            }
            for (int c = 0; c < width; c++) {
                float v = values.get(row * width + c);
                range[0] = Math.min(range[0], v);
                range[1] = Math.max(range[1], v);
            }
        }
    }
}
