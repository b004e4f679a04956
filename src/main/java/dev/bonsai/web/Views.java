package dev.bonsai.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.qute.RawString;
import io.quarkus.qute.TemplateExtension;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** How the dashboard shows numbers, sizes and times; used in templates as {@code {value.asPercent}} etc. */
@TemplateExtension
public final class Views {

    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules();
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT);

    private Views() {
    }

    /** 0.8544 → "85.4%". */
    static String asPercent(Object value) {
        return value instanceof Number n ? String.format(Locale.ROOT, "%.1f%%", n.doubleValue() * 100) : "–";
    }

    /** A signed change in points: 0.008 → "+0.8 pt". */
    static String asPoints(Object value) {
        return value instanceof Number n ? String.format(Locale.ROOT, "%+.1f pt", n.doubleValue() * 100) : "–";
    }

    /** An unsigned amount of points: 0.01 → "1.0 pt". */
    static String asPointAmount(Object value) {
        return value instanceof Number n ? String.format(Locale.ROOT, "%.1f pt", n.doubleValue() * 100) : "–";
    }

    /** A fraction to three places: 0.8544 → "0.854". */
    static String asFixed(Object value) {
        return value instanceof Number n ? String.format(Locale.ROOT, "%.3f", n.doubleValue()) : "–";
    }

    /** A mean or other measure to one place: 11.9. */
    static String asOneDecimal(Object value) {
        return value instanceof Number n ? String.format(Locale.ROOT, "%,.1f", n.doubleValue()) : "–";
    }

    static String asMillis(Object value) {
        return value instanceof Number n ? String.format(Locale.ROOT, n.doubleValue() < 10 ? "%.2f ms" : "%.1f ms",
                n.doubleValue()) : "–";
    }

    /** 90_123_456 → "90.1 MB" (decimal units, as the API's byte counts are exact). */
    static String asBytes(Object value) {
        if (!(value instanceof Number n)) {
            return "–";
        }
        double bytes = n.doubleValue();
        if (bytes < 1000) {
            return (long) bytes + " B";
        }
        String[] units = {"kB", "MB", "GB", "TB"};
        int unit = -1;
        while (bytes >= 1000 && unit < units.length - 1) {
            bytes /= 1000;
            unit++;
        }
        return String.format(Locale.ROOT, bytes < 10 ? "%.2f %s" : "%.1f %s", bytes, units[unit]);
    }

    static String asWhen(OffsetDateTime time) {
        return time == null ? "–" : WHEN.format(time.withOffsetSameInstant(java.time.ZoneOffset.UTC));
    }

    /** Whole number with thousands separators. */
    static String asCount(Object value) {
        return value instanceof Number n ? String.format(Locale.ROOT, "%,d", n.longValue()) : "–";
    }

    /** A count with its noun: 1 → "1 row", 1250 → "1,250 rows". */
    static String plural(Object value, String noun) {
        if (!(value instanceof Number n)) {
            return "– " + noun + "s";
        }
        return asCount(n) + " " + (n.longValue() == 1 ? noun : noun + "s");
    }

    /** 75 → "1 min 15 s", 4000 → "1 h 6 min"; for how long a job took. */
    static String asDuration(Object seconds) {
        if (!(seconds instanceof Number n)) {
            return "–";
        }
        long s = Math.round(n.doubleValue());
        if (s < 60) {
            return s + " s";
        }
        if (s < 3600) {
            return s / 60 + " min" + (s % 60 == 0 ? "" : " " + s % 60 + " s");
        }
        return s / 3600 + " h" + (s % 3600 / 60 == 0 ? "" : " " + s % 3600 / 60 + " min");
    }

    /** A recipe that may break after each "+" when its cell is narrow: "layer-drop:3+int8-dynamic". */
    static RawString asRecipe(Object recipe) {
        if (recipe == null) {
            return new RawString("–");
        }
        return new RawString(String.join("+<wbr>", java.util.Arrays.stream(recipe.toString().split("\\+", -1))
                .map(Views::escape).toList()));
    }

    private static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /**
     * A value as JSON to embed in a {@code <script type="application/json">} element: '<' is escaped
     * so that no text in the data can close the element.
     */
    static String asJson(Object value) {
        try {
            return JSON.writeValueAsString(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026");
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("Not serialisable as JSON", e);
        }
    }
}
