package dev.bonsai.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.bonsai.engine.BaseModel;
import dev.bonsai.engine.graph.TransformerWeights;
import dev.bonsai.engine.runtime.Pooling;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The BERT forward pass written with DJL NDArray operations over a graph's own weights, so that
 * they can be trained with autograd. Every operation mirrors the ONNX graph's (same order, same
 * constants), which is why ONNX Runtime on the re-exported graph gives the same outputs.
 *
 * <p>Ownership: the parameters live in the manager given at construction, which the caller
 * closes. An operation's result belongs to the manager of its first operand, so every
 * intermediate is attached to the per-step manager passed to {@link #embed}; nothing accumulates
 * in the parameter manager between steps.
 *
 * <p>Constants: DJL's {@code mul(Number)}, {@code div(Number)} and friends wrap the number in a
 * tensor over a Java buffer and free it as soon as the operation returns, but autograd keeps that
 * tensor for the backward pass, which then reads freed memory (non-deterministic NaN gradients
 * once the garbage collector runs). Every constant in a recorded pass is therefore an array of
 * the step's manager, made with {@link #constant}, alive until the step is closed.
 */
public final class DjlEncoder {

    /**
     * Added to attention scores at padding. The graphs use -3.4e38, one rounding away from
     * -infinity; training uses -1e4, which softmax turns into the same zero weights (the forward
     * pass still matches ONNX Runtime within 1e-4) with room to spare.
     */
    private static final float MASK_FILL = -1e4f;

    private final TransformerWeights weights;
    private final BaseModel.Pooling pooling;
    private final Map<String, NDArray> parameters = new LinkedHashMap<>();

    public DjlEncoder(NDManager manager, TransformerWeights weights, BaseModel.Pooling pooling) {
        this.weights = weights;
        this.pooling = pooling;
        for (String role : weights.roles()) {
            TransformerWeights.Tensor tensor = weights.get(role);
            parameters.put(role, manager.create(tensor.values(), new Shape(tensor.shape())));
        }
    }

    Map<String, NDArray> parameters() {
        return parameters;
    }

    /** Roles of the weights of the top {@code layers} layers (all of them for the full method). */
    boolean isInTopLayers(String role, int topLayers) {
        if (topLayers >= weights.layers()) {
            return true;
        }
        if (!role.startsWith("layer.")) {
            return false;
        }
        int layer = Integer.parseInt(role.substring("layer.".length(), role.indexOf('.', "layer.".length())));
        return layer >= weights.layers() - topLayers;
    }

    /**
     * Pooled, L2-normalised sentence embeddings {@code [batch, dim]} for token ids, attention mask
     * and token types of shape {@code [batch, seq]} (int64, owned by {@code step}).
     */
    public NDArray embed(NDManager step, NDArray ids, NDArray mask, NDArray types) {
        return embed(step, ids, mask, types, Dropout.NONE);
    }

    /**
     * As {@link #embed(NDManager, NDArray, NDArray, NDArray)}, with training-time dropout where
     * BERT was pre-trained with it: on the embeddings, the attention weights and both sub-layers'
     * outputs before their residual sums.
     */
    NDArray embed(NDManager step, NDArray ids, NDArray mask, NDArray types, Dropout dropout) {
        Scope s = new Scope(step, dropout);
        long batch = ids.getShape().get(0);
        long sequence = ids.getShape().get(1);
        long hidden = weights.get("embeddings.word").shape()[1];
        NDArray positions = step.arange(0, sequence, 1, ai.djl.ndarray.types.DataType.INT64);
        NDArray words = s.a(p("embeddings.word").get(new NDIndex("{}", ids.flatten()))).reshape(batch, sequence, hidden);
        NDArray tokenTypes = s.a(p("embeddings.tokenType").get(new NDIndex("{}", types.flatten()))).reshape(batch, sequence, hidden);
        NDArray position = s.a(p("embeddings.position").get(new NDIndex("{}", positions)));
        NDArray x = s.a(s.a(words.add(tokenTypes)).add(position));
        x = s.dropout(layerNorm(s, x, "embeddings.norm"));

        NDArray maskFloat = s.a(mask.toType(ai.djl.ndarray.types.DataType.FLOAT32, false));
        NDArray attentionBias = s.a(s.a(s.a(s.c(1f).sub(maskFloat)).mul(s.c(MASK_FILL)))
                .reshape(batch, 1, 1, sequence));
        int headSize = weights.headSize();
        NDArray scale = s.c((float) Math.sqrt(headSize));
        NDArray one = s.c(1f);
        NDArray half = s.c(0.5f);
        NDArray sqrt2 = s.c((float) Math.sqrt(2.0));
        NDArray epsilon = s.c(Pooling.EPSILON);
        for (int layer = 0; layer < weights.layers(); layer++) {
            String role = "layer." + layer + ".";
            // Per layer: structured pruning may have removed heads.
            int heads = (int) (weights.get(role + "query.weight").shape()[1] / headSize);
            NDArray query = s.a(s.a(s.a(x.matMul(p(role + "query.weight"))).add(p(role + "query.bias")))
                    .reshape(batch, sequence, heads, headSize).transpose(0, 2, 1, 3));
            NDArray key = s.a(s.a(s.a(x.matMul(p(role + "key.weight"))).add(p(role + "key.bias")))
                    .reshape(batch, sequence, heads, headSize).transpose(0, 2, 3, 1));
            NDArray value = s.a(s.a(s.a(x.matMul(p(role + "value.weight"))).add(p(role + "value.bias")))
                    .reshape(batch, sequence, heads, headSize).transpose(0, 2, 1, 3));
            NDArray scores = s.a(s.a(s.a(query.matMul(key)).div(scale)).add(attentionBias));
            NDArray probabilities = s.dropout(s.a(scores.softmax(3)));
            NDArray context = s.a(s.a(s.a(probabilities.matMul(value)).transpose(0, 2, 1, 3))
                    .reshape(batch, sequence, (long) heads * headSize));
            NDArray attended = s.a(s.dropout(s.a(s.a(context.matMul(p(role + "attentionOutput.weight")))
                    .add(p(role + "attentionOutput.bias")))).add(x));
            x = layerNorm(s, attended, role + "attentionNorm");
            NDArray intermediate = s.a(s.a(x.matMul(p(role + "intermediate.weight"))).add(p(role + "intermediate.bias")));
            NDArray gelu = s.a(s.a(intermediate.mul(s.a(s.a(s.a(intermediate.div(sqrt2)).erf()).add(one))))
                    .mul(half));
            NDArray output = s.a(s.dropout(s.a(s.a(gelu.matMul(p(role + "output.weight"))).add(p(role + "output.bias"))))
                    .add(x));
            x = layerNorm(s, output, role + "outputNorm");
        }
        NDArray pooled;
        if (pooling == BaseModel.Pooling.CLS) {
            pooled = s.a(x.get(new NDIndex(":, 0, :")));
        } else {
            NDArray mask3 = s.a(maskFloat.reshape(batch, sequence, 1));
            NDArray summed = s.a(s.a(x.mul(mask3)).sum(new int[] {1}));
            NDArray count = s.a(s.a(mask3.sum(new int[] {1})).maximum(epsilon));
            pooled = s.a(summed.div(count));
        }
        NDArray norm = s.a(s.a(s.a(s.a(pooled.mul(pooled)).sum(new int[] {1}, true)).sqrt()).maximum(epsilon));
        return s.a(pooled.div(norm));
    }

    private NDArray layerNorm(Scope s, NDArray x, String role) {
        NDArray mean = s.a(x.mean(new int[] {-1}, true));
        NDArray centred = s.a(x.sub(mean));
        NDArray variance = s.a(s.a(centred.mul(centred)).mean(new int[] {-1}, true));
        NDArray normalised = s.a(centred.div(s.a(s.a(variance.add(s.c(weights.epsilon()))).sqrt())));
        return s.a(s.a(normalised.mul(p(role + ".weight"))).add(p(role + ".bias")));
    }

    private NDArray p(String role) {
        return parameters.get(role);
    }

    /** A scalar owned by {@code step}, for use as an operand in a recorded pass. */
    static NDArray constant(NDManager step, float value) {
        return step.create(value);
    }

    /**
     * Inverted dropout at {@code rate}: each element is zeroed with that probability and the rest
     * scaled by {@code 1 / (1 − rate)}. The masks come from a generator of this object's own,
     * seeded by the caller (per training step), so that a run gives the same masks when repeated
     * or resumed and concurrent runs draw nothing from each other.
     */
    static final class Dropout {
        static final Dropout NONE = new Dropout(0f, 0);

        private final float rate;
        private final SplittableRandom random;

        /**
         * The masks of one training step: a repeated or resumed run draws the same ones. The seed
         * goes through {@link java.util.Random} because nearby {@link SplittableRandom} seeds give
         * overlapping streams.
         */
        static Dropout forStep(float rate, long runSeed, long step) {
            return new Dropout(rate, new java.util.Random(runSeed * 1_000_003L + step).nextLong());
        }

        Dropout(float rate, long seed) {
            if (!(rate >= 0f && rate < 1f)) {
                throw new IllegalArgumentException("dropout must be in [0, 1): " + rate);
            }
            this.rate = rate;
            this.random = new SplittableRandom(seed);
        }

        NDArray apply(NDManager step, NDArray array) {
            if (rate == 0f) {
                return array;
            }
            // Sixteen random bits per element, four elements per draw.
            int threshold = Math.round(rate * 65536f);
            float kept = 1f / (1f - rate);
            float[] mask = new float[Math.toIntExact(array.size())];
            for (int i = 0; i < mask.length; i += 4) {
                long bits = random.nextLong();
                for (int k = 0; k < 4 && i + k < mask.length; k++) {
                    mask[i + k] = ((bits >>> (16 * k)) & 0xFFFF) >= threshold ? kept : 0f;
                }
            }
            NDArray dropped = array.mul(step.create(mask, array.getShape()));
            dropped.attach(step);
            return dropped;
        }
    }

    /** Moves every intermediate into the step's manager. */
    private record Scope(NDManager step, Dropout dropout) {
        NDArray a(NDArray array) {
            array.attach(step);
            return array;
        }

        NDArray c(float value) {
            return constant(step, value);
        }

        NDArray dropout(NDArray array) {
            return dropout.apply(step, array);
        }
    }
}
