// int8 dynamic quantization against fp32 and the reference int8 model (ONNX Runtime's own
// quantizer, the "-q" jar, whose activations are quantized per tensor with DynamicQuantizeLinear):
// size, latency of one thread at batch 1 and 32, and batch invariance (the largest difference
// between a text's embedding computed alone and inside a batch of 32 texts of other lengths).
//
//   java -cp <classpath> benchmarks/Quantization.java [REPEATS]

import dev.bonsai.engine.BaseModel;
import dev.bonsai.engine.compress.DynamicQuantization;
import dev.bonsai.engine.runtime.Encoder;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

public class Quantization {

    public static void main(String[] args) throws Exception {
        int repeats = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        BaseModel model = BaseModel.ALL_MINILM_L6_V2;
        byte[] fp32 = read(model.onnxResource());
        byte[] ours = DynamicQuantization.quantize(fp32).graph();
        byte[] reference = read("all-minilm-l6-v2-q.onnx");
        String[] words = {"the", "film", "was", "surprisingly", "good", "and", "the", "cast", "clearly", "enjoyed", "it"};
        List<String> batch = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            StringBuilder sentence = new StringBuilder();
            for (int w = 0; w < 8 + i % 6; w++) {
                sentence.append(words[(i + w * 3) % words.length]).append(' ');
            }
            batch.add(sentence.toString().strip());
        }
        // 32 texts of 2 to 60 words, for batch invariance.
        Random random = new Random(7);
        List<String> mixed = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            StringBuilder sentence = new StringBuilder();
            int length = 2 + random.nextInt(i % 4 == 0 ? 58 : 12);
            for (int w = 0; w < length; w++) {
                sentence.append(words[random.nextInt(words.length)]).append(' ');
            }
            mixed.add(sentence.toString().strip());
        }
        System.out.printf("%-30s %12s %16s %16s %26s%n", "graph", "bytes", "batch 32 p50 ms", "batch 1 p50 ms",
                "alone vs batch max |diff|");
        for (Object[] candidate : new Object[][] {{"fp32", fp32}, {"int8 per token (ours)", ours},
            {"int8 per tensor (reference -q)", reference}}) {
            byte[] graph = (byte[]) candidate[1];
            try (Encoder encoder = Encoder.open(model, graph, new Encoder.Options(1, 32, 128))) {
                double b32 = p50(encoder, batch, repeats);
                double b1 = p50(encoder, batch.subList(0, 1), repeats * 4);
                float[][] together = encoder.embed(mixed);
                double worst = 0;
                for (int i = 0; i < mixed.size(); i++) {
                    float[] alone = encoder.embed(List.of(mixed.get(i)))[0];
                    for (int d = 0; d < alone.length; d++) {
                        worst = Math.max(worst, Math.abs(alone[d] - together[i][d]));
                    }
                }
                System.out.printf("%-30s %12d %16.1f %16.2f %26.3g%n", candidate[0], graph.length, b32, b1, worst);
            }
        }
    }

    static double p50(Encoder encoder, List<String> texts, int repeats) {
        for (int i = 0; i < 5; i++) {
            encoder.embed(texts);
        }
        double[] millis = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            long start = System.nanoTime();
            encoder.embed(texts);
            millis[i] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(millis);
        return millis[repeats / 2];
    }

    static byte[] read(String resource) throws Exception {
        try (InputStream in = Quantization.class.getClassLoader().getResourceAsStream(resource)) {
            return in.readAllBytes();
        }
    }
}
