package dev.bonsai.web;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bonsai.compression.CompressionJob;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How the dashboard turns figures into what people read: counts, durations, the heatmap, the plot's frontier. */
class DashboardViewsTest {

    @Test
    void countsCarryTheirNounAndThousandsSeparators() {
        assertEquals("1 row", Views.plural(1, "row"));
        assertEquals("1,250 rows", Views.plural(1250L, "row"));
        assertEquals("0 errors", Views.plural(0, "error"));
    }

    @Test
    void durationsReadAsPeopleSayThem() {
        assertEquals("3 s", Views.asDuration(3));
        assertEquals("1 min 15 s", Views.asDuration(75L));
        assertEquals("2 min", Views.asDuration(120));
        assertEquals("1 h 6 min", Views.asDuration(4000));
        assertEquals("–", Views.asDuration(null));
    }

    @Test
    void aRecipeBreaksAfterEachPlusAndIsEscaped() {
        assertEquals("layer-drop:3+<wbr>int8-dynamic", Views.asRecipe("layer-drop:3+int8-dynamic").toString());
        assertEquals("&lt;b&gt;+<wbr>&amp;", Views.asRecipe("<b>+&").toString());
    }

    @Test
    void theHeatmapShadesEachCellByItsShareOfTheTrueLabelsRows() {
        List<ModelPages.ConfusionRow> rows = ModelPages.heatmap(List.of("a", "b"),
                List.of(List.of(9, 1), List.of(5, 5)));
        assertEquals(List.of("hit-4", "miss-1"), rows.get(0).cells().stream().map(ModelPages.Cell::shade).toList());
        assertEquals(List.of("miss-2", "hit-2"), rows.get(1).cells().stream().map(ModelPages.Cell::shade).toList());
        assertEquals("", ModelPages.heatmap(List.of("a", "b"), List.of(List.of(3, 0), List.of(0, 0))).get(0).cells().get(1)
                .shade(), "an empty cell is not shaded");
    }

    @Test
    void thePlotsFrontierIsOfAccuracyAndLatencyAloneAndSkipsVariantsWithoutFigures() {
        // The matrix's Pareto tag also counts size: "small" is on that frontier, but on these two axes
        // "fast" is as accurate and faster.
        List<Map<String, Object>> variants = List.of(
                variant("original", 0.90, 10.0),
                variant("fast", 0.89, 4.0),
                variant("small", 0.88, 5.0),
                variant("unmeasured", null, null));
        CompressionJob job = new CompressionJob("cmpjob_1", "mdl_1", "raspberry-pi-4", List.of(), 0.01, null, null,
                "succeeded", 1.0, null, null, null, Map.of("variants", variants), null, null, null);
        List<Map<String, Object>> points = CompressionPages.plot(job);
        assertEquals(List.of("original", "fast", "small"), points.stream().map(p -> p.get("recipe")).toList());
        assertEquals(List.of(true, true, false), points.stream().map(p -> p.get("frontier")).toList());
    }

    private static Map<String, Object> variant(String recipe, Double accuracy, Double latency) {
        Map<String, Object> variant = new LinkedHashMap<>();
        variant.put("recipe", recipe);
        variant.put("accuracy", accuracy);
        variant.put("bytes", 1000L);
        variant.put("status", "accepted");
        variant.put("paretoOptimal", true);
        Map<String, Object> batch1 = new LinkedHashMap<>();
        batch1.put("p50Millis", latency);
        variant.put("hostLatency", Map.of("batch1", batch1));
        return variant;
    }
}
