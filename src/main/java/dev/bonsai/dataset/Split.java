package dev.bonsai.dataset;

import java.util.Locale;
import java.util.Optional;

/** The three splits; the code is what the database stores. */
public enum Split {
    TRAIN(0), VALIDATION(1), TEST(2);

    /**
     * The fewest validation rows, and per label, on which the best epoch and the compression gate are
     * chosen with some meaning: below them a choice moves by one text (with 30 rows an accuracy has a
     * standard error of up to 9 points).
     */
    public static final int ENOUGH_VALIDATION_ROWS = 30;
    public static final int ENOUGH_VALIDATION_ROWS_PER_LABEL = 3;

    private final short code;

    /** Whether a validation split this small makes its choices mostly by chance. */
    public static boolean tooFewToChooseOn(long rows, long fewestForALabel) {
        return rows < ENOUGH_VALIDATION_ROWS || fewestForALabel < ENOUGH_VALIDATION_ROWS_PER_LABEL;
    }

    /** What the validation report and the fine-tuning job say about a small validation split. */
    public static String tooFewMessage(long rows, long fewestForALabel) {
        return "The validation split has only " + rows + (rows == 1 ? " row" : " rows") + " (the fewest for one label: "
                + fewestForALabel + "): the best epoch and the compression gate are chosen on them, so the choice is"
                + " mostly chance. Upload more rows (at least " + ENOUGH_VALIDATION_ROWS + " in validation and "
                + ENOUGH_VALIDATION_ROWS_PER_LABEL + " per label), or give a split column.";
    }

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
