package dev.bonsai.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The autograd calls the trainers make, on PyTorch directly rather than through DJL's
 * {@code GradientCollector}, which does not fit a server that trains on pooled threads:
 * <ul>
 * <li>PyTorch's grad mode is per thread, and DJL switches it off only on the thread that loaded
 * the engine, so on any other thread every operation outside a collector was recorded, and an
 * in-place weight update failed;</li>
 * <li>only one collector may be open in the whole JVM, so two training jobs at once failed;</li>
 * <li>its {@code zeroGradients} walks every array of every manager in the JVM, clears each
 * gradient as {@code g − g} (which stays NaN once a gradient is not finite) and leaves two
 * handles per parameter behind on every step.</li>
 * </ul>
 * Here recording is switched on for one forward and backward pass on the calling thread and off
 * again afterwards, and only the trainer's own parameters have their gradients cleared.
 */
final class Autograd {

    private Autograd() {
    }

    /** Turns recording off on this thread until {@link GradMode#close()}, which restores what was there. */
    static GradMode off() {
        return new GradMode(false);
    }

    /** Records operations on this thread until {@link GradMode#close()}, for one forward and backward pass. */
    static GradMode recording() {
        return new GradMode(true);
    }

    /** A span of this thread with grad mode set, restored on close. */
    static final class GradMode implements AutoCloseable {
        private final boolean previous;

        private GradMode(boolean enabled) {
            previous = JniUtils.isGradMode();
            JniUtils.setGradMode(enabled);
        }

        @Override
        public void close() {
            JniUtils.setGradMode(previous);
        }
    }

    /** Back-propagates a scalar loss into the gradients of the parameters it depends on. */
    static void backward(NDManager step, NDArray loss) {
        NDArray seed = step.ones(loss.getShape(), loss.getDataType());
        JniUtils.backward((PtNDArray) loss, (PtNDArray) seed, false, false);
    }

    /** The current gradient of each parameter, as handles owned by {@code step}. */
    static Map<String, NDArray> gradients(NDManager step, Map<String, NDArray> parameters) {
        Map<String, NDArray> gradients = new LinkedHashMap<>();
        parameters.forEach((role, parameter) -> {
            NDArray gradient = parameter.getGradient();
            gradient.attach(step);
            gradients.put(role, gradient);
        });
        return gradients;
    }

    /** Sets the parameters' gradients to zero, whatever they held. */
    static void zeroGradients(Iterable<NDArray> parameters) {
        for (NDArray parameter : parameters) {
            JniUtils.zeroGrad((PtNDArray) parameter);
        }
    }

    /**
     * The L2 norm of all the arrays together, in double precision; not finite when any element is
     * not (or the squares overflow).
     */
    static double norm(Map<String, NDArray> arrays) {
        double sum = 0;
        for (NDArray array : arrays.values()) {
            try (NDArray squares = array.square(); NDArray total = squares.sum()) {
                sum += total.getFloat();
            }
        }
        return Math.sqrt(sum);
    }

    /** Names of the arrays holding a NaN or an infinity, in order. */
    static List<String> notFinite(Map<String, NDArray> arrays) {
        List<String> names = new ArrayList<>();
        arrays.forEach((name, array) -> {
            try (NDArray nan = array.isNaN(); NDArray anyNan = nan.any(); NDArray infinite = array.isInfinite();
                    NDArray anyInfinite = infinite.any()) {
                if (anyNan.getBoolean() || anyInfinite.getBoolean()) {
                    names.add(name);
                }
            }
        });
        return names;
    }

    /** Makes {@code array} belong to {@code step}, so that it is closed with it. */
    static NDArray attach(NDManager step, NDArray array) {
        array.attach(step);
        return array;
    }
}
