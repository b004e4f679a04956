package dev.bonsai.engine.compress;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import dev.bonsai.engine.graph.ClassifierExport;
import dev.bonsai.engine.graph.TransformerWeights;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * fp16 storage of a graph's large weights: each float initializer of at least
 * {@value #MIN_ELEMENTS} values is stored as float16 and cast back to float32 when the session
 * loads (ONNX Runtime folds the cast once), so the file is about half the size and the arithmetic
 * stays fp32 on CPUs without fast fp16. Runtimes that compute in fp16 (GPUs, NPUs) can take the
 * halves as they are. Rounding is to nearest, ties to even.
 */
public final class Fp16Weights {

    static final int MIN_ELEMENTS = 1024;
    private static final String SUFFIX = "/fp16";

    private Fp16Weights() {
    }

    public record Result(byte[] graph, int tensorsConverted, long bytesBefore, long bytesAfter) {
    }

    public static Result convert(byte[] graph) {
        OnnxMl.ModelProto model = ClassifierExport.parse(graph);
        OnnxMl.GraphProto.Builder builder = model.getGraph().toBuilder().clearInitializer();
        List<OnnxMl.NodeProto> casts = new ArrayList<>();
        int converted = 0;
        for (OnnxMl.TensorProto tensor : model.getGraph().getInitializerList()) {
            if (tensor.getDataType() != OnnxMl.TensorProto.DataType.FLOAT.getNumber()
                    || elements(tensor) < MIN_ELEMENTS) {
                builder.addInitializer(tensor);
                continue;
            }
            float[] values = TransformerWeights.floats(tensor);
            ByteBuffer halves = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
            for (float value : values) {
                halves.putShort(toHalf(value));
            }
            halves.flip();
            builder.addInitializer(OnnxMl.TensorProto.newBuilder().setName(tensor.getName() + SUFFIX)
                    .addAllDims(tensor.getDimsList()).setDataType(OnnxMl.TensorProto.DataType.FLOAT16.getNumber())
                    .setRawData(ByteString.copyFrom(halves)));
            casts.add(OnnxMl.NodeProto.newBuilder().setOpType("Cast").setName("bonsai/fp16/" + tensor.getName())
                    .addInput(tensor.getName() + SUFFIX).addOutput(tensor.getName())
                    .addAttribute(OnnxMl.AttributeProto.newBuilder().setName("to")
                            .setType(OnnxMl.AttributeProto.AttributeType.INT)
                            .setI(OnnxMl.TensorProto.DataType.FLOAT.getNumber()))
                    .build());
            converted++;
        }
        List<OnnxMl.NodeProto> nodes = new ArrayList<>(casts);
        nodes.addAll(builder.getNodeList());
        builder.clearNode().addAllNode(nodes);
        byte[] result = model.toBuilder().setGraph(builder).build().toByteArray();
        return new Result(result, converted, graph.length, result.length);
    }

    private static long elements(OnnxMl.TensorProto tensor) {
        long count = 1;
        for (long dim : tensor.getDimsList()) {
            count *= dim;
        }
        return count;
    }

    /** IEEE 754 binary16 bits of {@code value}, rounded to nearest even; overflow gives infinity. */
    static short toHalf(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        int exponent = (bits >>> 23) & 0xff;
        int mantissa = bits & 0x7fffff;
        if (exponent == 0xff) {
            return (short) (sign | 0x7c00 | (mantissa != 0 ? 0x200 : 0));
        }
        int halfExponent = exponent - 127 + 15;
        if (halfExponent >= 0x1f) {
            return (short) (sign | 0x7c00);
        }
        if (halfExponent <= 0) {
            if (halfExponent < -10) {
                return (short) sign;
            }
            int full = mantissa | 0x800000;
            int shift = 14 - halfExponent;
            int half = full >> shift;
            int remainder = full & ((1 << shift) - 1);
            int halfway = 1 << (shift - 1);
            if (remainder > halfway || (remainder == halfway && (half & 1) == 1)) {
                half++;
            }
            return (short) (sign | half);
        }
        int half = (halfExponent << 10) | (mantissa >> 13);
        int remainder = mantissa & 0x1fff;
        if (remainder > 0x1000 || (remainder == 0x1000 && (half & 1) == 1)) {
            half++;
        }
        return (short) (sign | half);
    }

    /** The float value of binary16 bits (for tests and checks). */
    static float fromHalf(short bits) {
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            float value = mantissa / 1024f / 16384f;
            return sign == 0 ? value : -value;
        }
        return Float.intBitsToFloat(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
    }
}
