package dev.bonsai.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The hot paths' cache: bounded without forgetting everything at once, and never keeping a value a change outdated. */
class ReadCacheTest {

    @Test
    void aFullCacheMakesRoomWithoutForgettingWhatIsInUse() {
        ReadCache<Integer, String> cache = new ReadCache<>(Duration.ofMinutes(5), 100);
        cache.put(0, "the model everyone calls", cache.generation());
        for (int i = 1; i <= 1000; i++) {
            cache.put(i, "value " + i, cache.generation());
            assertEquals("the model everyone calls", cache.get(0, true), "still kept after " + i + " others");
        }
        long kept = cache.size();
        assertTrue(kept <= 100, "bounded: " + kept);
    }

    @Test
    void aValueReadBeforeAChangeIsNotKept() {
        ReadCache<String, String> cache = new ReadCache<>(Duration.ofMinutes(5), 100);
        long before = cache.generation();
        cache.removeIf(value -> true); // a change lands while the value was being read
        cache.put("model", "as read before the change", before);
        assertNull(cache.get("model", true));
        cache.put("model", "as read after it", cache.generation());
        assertEquals("as read after it", cache.get("model", true));
        assertNull(cache.get("model", false), "nothing is trusted while changes cannot be heard");
        cache.removeIf(value -> value.endsWith("after it"));
        assertNull(cache.get("model", true));
    }

    @Test
    void aZeroTimeToLiveKeepsNothing() {
        ReadCache<String, String> cache = new ReadCache<>(Duration.ZERO, 100);
        cache.put("model", "value", cache.generation());
        assertNull(cache.get("model", true));
    }
}
