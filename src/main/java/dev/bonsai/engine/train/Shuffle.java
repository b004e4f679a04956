package dev.bonsai.engine.train;

/**
 * The order a trainer visits its rows in, shuffled before each epoch: {@code java.util.Random}'s
 * generator (the 48-bit linear congruence and {@code nextInt(bound)} its documentation specifies),
 * so a seed gives the same orders it always gave, with a state that a checkpoint can write down.
 */
public final class Shuffle {

    private static final long MULTIPLIER = 0x5DEECE66DL;
    private static final long ADDEND = 0xBL;
    private static final long MASK = (1L << 48) - 1;

    private long state;

    private Shuffle(long state) {
        this.state = state;
    }

    /** As {@code new Random(seed)}. */
    public static Shuffle seeded(long seed) {
        return new Shuffle((seed ^ MULTIPLIER) & MASK);
    }

    /** Goes on from a {@link #state()} written down earlier. */
    public static Shuffle resumed(long state) {
        return new Shuffle(state & MASK);
    }

    public long state() {
        return state;
    }

    /** Fisher–Yates, as the trainers always shuffled. */
    public void shuffle(int[] order) {
        for (int i = order.length - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
    }

    /** As {@code Random.nextInt(bound)}. */
    int nextInt(int bound) {
        int r = next(31);
        int m = bound - 1;
        if ((bound & m) == 0) {
            return (int) ((bound * (long) r) >> 31);
        }
        for (int u = r; u - (r = u % bound) + m < 0; u = next(31)) {
            // rejected: u fell in the last, incomplete run of bound values
        }
        return r;
    }

    private int next(int bits) {
        state = (state * MULTIPLIER + ADDEND) & MASK;
        return (int) (state >>> (48 - bits));
    }
}
