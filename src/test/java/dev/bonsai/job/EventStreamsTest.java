package dev.bonsai.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.bonsai.platform.ProblemException;
import dev.bonsai.platform.ProblemType;
import io.smallrye.mutiny.Multi;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A live stream's slot is given back once, whether the stream runs to its end or never starts. */
class EventStreamsTest {

    private static EventStreams.Snapshot ended() {
        return new EventStreams.Snapshot(true, List.of());
    }

    @Test
    void aStreamNobodySubscribesToGivesItsSlotBack() throws Exception {
        EventStreams streams = new EventStreams(Duration.ofMillis(200));
        streams.stream(last -> ended());
        assertEquals(EventStreams.MAX_STREAMS - 1, streams.freeSlots(), "taken while it may still start");
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (streams.freeSlots() < EventStreams.MAX_STREAMS && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(EventStreams.MAX_STREAMS, streams.freeSlots(), "reclaimed: its request never subscribed");
    }

    @Test
    void aStreamThatRunsGivesItsSlotBackOnceWhenItEnds() throws Exception {
        EventStreams streams = new EventStreams(Duration.ofMillis(200));
        JobEvent event = new JobEvent(1, OffsetDateTime.now(), "info", "message", "hello", null);
        Multi<JobEvent> stream = streams.stream(last -> last == 0 ? new EventStreams.Snapshot(false, List.of(event)) : ended());
        List<JobEvent> received = stream.collect().asList().await().atMost(Duration.ofSeconds(5));
        assertEquals(1, received.size());
        Thread.sleep(400); // past the reclaim deadline: the slot must not be given back twice
        assertEquals(EventStreams.MAX_STREAMS, streams.freeSlots());
    }

    @Test
    void beyondItsLimitAStreamIsRefusedWith503AndRetryAfter() {
        EventStreams streams = new EventStreams(Duration.ofMinutes(5));
        for (int i = 0; i < EventStreams.MAX_STREAMS; i++) {
            streams.stream(last -> ended());
        }
        ProblemException refused = assertThrows(ProblemException.class, () -> streams.stream(last -> ended()));
        assertEquals(ProblemType.UNAVAILABLE, refused.type());
        assertEquals("5", refused.headers().get("Retry-After"));
        assertEquals(0, streams.freeSlots());
    }
}
