package dev.bonsai.dataset;

import java.util.Locale;
import java.util.Optional;

/** The three splits; the code is what the database stores. */
public enum Split {
    TRAIN(0), VALIDATION(1), TEST(2);

    private final short code;

    Split(int code) {
        this.code = (short) code;
    }

    public short code() {
        return code;
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Split ofCode(int code) {
        return values()[code];
    }

    /** Reads a split column value; common synonyms ({@code dev}, {@code val}) are accepted. */
    public static Optional<Split> parse(String value) {
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "train", "training" -> Optional.of(TRAIN);
            case "validation", "valid", "val", "dev" -> Optional.of(VALIDATION);
            case "test", "testing" -> Optional.of(TEST);
            default -> Optional.empty();
        };
    }
}
