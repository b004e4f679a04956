package dev.bonsai.engine.runtime;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.CodedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Facts read from an ONNX graph: how many parameters its initializers hold, how many transformer
 * layers its node names show, and the width of its hidden states.
 */
public record OnnxModelInfo(long parameters, int layers, int hiddenSize, long opset) {

    private static final Pattern LAYER = Pattern.compile("layer\\.(\\d+)[./]");
    /** Protobuf's default 64 MB message limit is below the size of the base models. */
    private static final int MAX_MODEL_BYTES = Integer.MAX_VALUE;

    /** Parses a whole ONNX model; memory use is about twice the file's size while it runs. */
    public static OnnxModelInfo read(InputStream onnx) throws IOException {
        CodedInputStream coded = CodedInputStream.newInstance(onnx);
        coded.setSizeLimit(MAX_MODEL_BYTES);
        OnnxMl.ModelProto model = OnnxMl.ModelProto.parseFrom(coded);
        long parameters = 0;
        int hiddenSize = 0;
        for (OnnxMl.TensorProto tensor : model.getGraph().getInitializerList()) {
            long elements = 1;
            for (long dim : tensor.getDimsList()) {
                elements *= dim;
            }
            parameters += elements;
            if (tensor.getName().contains("word_embeddings") && tensor.getDimsCount() == 2) {
                hiddenSize = (int) tensor.getDims(1);
            }
        }
        TreeSet<Integer> layers = new TreeSet<>();
        for (OnnxMl.NodeProto node : model.getGraph().getNodeList()) {
            Matcher matcher = LAYER.matcher(node.getName());
            if (matcher.find()) {
                layers.add(Integer.parseInt(matcher.group(1)));
            }
        }
        long opset = model.getOpsetImportList().stream().filter(op -> op.getDomain().isEmpty())
                .mapToLong(OnnxMl.OperatorSetIdProto::getVersion).findFirst().orElse(0);
        return new OnnxModelInfo(parameters, layers.size(), hiddenSize, opset);
    }
}
