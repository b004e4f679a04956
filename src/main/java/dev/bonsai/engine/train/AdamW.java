package dev.bonsai.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Locale;
import java.util.Map;

/**
 * The encoder trainer's optimizer: AdamW (decoupled weight decay, none on biases and layer-norm
 * gains) with a linear warm-up over the first tenth of the steps and a linear decay after it.
 */
final class AdamW {

    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.999;
    private static final double ADAM_EPSILON = 1e-8;

    private AdamW() {
    }

    /**
     * Learning-rate multiplier at {@code step} (1-based): a linear warm-up over the first tenth of
     * the steps, then a linear decay to zero at the last one.
     */
    static double schedule(long step, long totalSteps) {
        long warmup = Math.max(1, totalSteps / 10);
        if (step <= warmup) {
            return (double) step / warmup;
        }
        return Math.max(0.0, (double) (totalSteps - step + 1) / (totalSteps - warmup + 1));
    }

    /**
     * Each trainable parameter's two moments, zero or as {@code saved} (a checkpoint's) has them; the
     * parameters are marked to record gradients.
     */
    static Map<String, NDArray[]> moments(Map<String, NDArray> trainable, Map<String, float[][]> saved) {
        Map<String, NDArray[]> moments = new java.util.HashMap<>();
        for (Map.Entry<String, NDArray> entry : trainable.entrySet()) {
            entry.getValue().setRequiresGradient(true);
            NDArray[] pair = {entry.getValue().zerosLike(), entry.getValue().zerosLike()};
            if (saved != null) {
                pair[0].set(saved.get(entry.getKey())[0]);
                pair[1].set(saved.get(entry.getKey())[1]);
            }
            moments.put(entry.getKey(), pair);
        }
        return moments;
    }

    /** The moments' values, for a checkpoint. */
    static java.util.HashMap<String, float[][]> snapshot(Map<String, NDArray[]> moments) {
        java.util.HashMap<String, float[][]> copy = new java.util.HashMap<>();
        moments.forEach((name, pair) -> copy.put(name, new float[][] {pair[0].toFloatArray(), pair[1].toFloatArray()}));
        return copy;
    }

    /** One AdamW step from the gradients, scaled by {@code clip} (≤ 1) first. */
    static void update(NDManager step, Map<String, NDArray> trainable, Map<String, NDArray> gradients,
            Map<String, NDArray[]> moments, long t, EncoderTrainer.Settings hyperparameters, double learningRate, double clip) {
        double correction1 = 1 - Math.pow(BETA1, t);
        double correction2 = 1 - Math.pow(BETA2, t);
        float rate = (float) learningRate;
        for (Map.Entry<String, NDArray> entry : trainable.entrySet()) {
            NDArray parameter = entry.getValue();
            NDArray gradient = gradients.get(entry.getKey());
            if (clip < 1.0) {
                gradient = Autograd.attach(step, gradient.mul((float) clip));
            }
            NDArray[] m = moments.get(entry.getKey());
            m[0].muli((float) BETA1).addi(Autograd.attach(step, gradient.mul((float) (1 - BETA1))));
            m[1].muli((float) BETA2).addi(Autograd.attach(step, Autograd.attach(step, gradient.mul(gradient)).mul((float) (1 - BETA2))));
            NDArray mHat = Autograd.attach(step, m[0].div((float) correction1));
            NDArray vHat = Autograd.attach(step, m[1].div((float) correction2));
            NDArray update = Autograd.attach(step, mHat.div(Autograd.attach(step, Autograd.attach(step, vHat.sqrt()).add((float) ADAM_EPSILON))));
            if (isDecayed(entry.getKey())) {
                update = Autograd.attach(step, update.add(Autograd.attach(step, parameter.mul((float) hyperparameters.weightDecay()))));
            }
            parameter.subi(Autograd.attach(step, update.mul(rate)));
        }
    }

    /**
     * Whether weight decay applies to a weight: not to biases nor to layer-norm gains
     * ({@code embeddings.norm.weight}, {@code layer.N.attentionNorm.weight}, {@code layer.N.outputNorm.weight}).
     */
    static boolean isDecayed(String role) {
        return !role.endsWith("bias") && !role.toLowerCase(Locale.ROOT).contains("norm.");
    }
}
