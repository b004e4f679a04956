package dev.bonsai.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bonsai.platform.ProblemException;
import dev.bonsai.platform.ProblemType;
import io.smallrye.mutiny.Multi;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A live stream's slot is given back once, whether the stream runs to its end or never starts; a
 * stream starts after the client's last event and sends heartbeats while nothing happens.
 */
class EventStreamsTest {

    private static EventStreams.Snapshot ended() {
        return new EventStreams.Snapshot(true, List.of());
    }

    @Test
    void aStreamNobodySubscribesToGivesItsSlotBack() throws Exception {
        EventStreams streams = new EventStreams(Duration.ofMillis(200), Duration.ofSeconds(15));
        streams.stream(0, last -> ended());
        assertEquals(EventStreams.MAX_STREAMS - 1, streams.freeSlots(), "taken while it may still start");
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (streams.freeSlots() < EventStreams.MAX_STREAMS && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(EventStreams.MAX_STREAMS, streams.freeSlots(), "reclaimed: its request never subscribed");
    }

    @Test
    void aStreamThatRunsGivesItsSlotBackOnceWhenItEnds() throws Exception {
        EventStreams streams = new EventStreams(Duration.ofMillis(200), Duration.ofSeconds(15));
        JobEvent event = new JobEvent(1, OffsetDateTime.now(), "info", "message", "hello", null);
        Multi<EventStreams.Frame> stream = streams.stream(0,
                last -> last == 0 ? new EventStreams.Snapshot(false, List.of(event)) : ended());
        List<EventStreams.Frame> received = stream.collect().asList().await().atMost(Duration.ofSeconds(5));
        assertEquals(1, received.size());
        Thread.sleep(400); // past the reclaim deadline: the slot must not be given back twice
        assertEquals(EventStreams.MAX_STREAMS, streams.freeSlots());
    }

    @Test
    void beyondItsLimitAStreamIsRefusedWith503AndRetryAfter() {
        EventStreams streams = new EventStreams(Duration.ofMinutes(5), Duration.ofSeconds(15));
        for (int i = 0; i < EventStreams.MAX_STREAMS; i++) {
            streams.stream(0, last -> ended());
        }
        ProblemException refused = assertThrows(ProblemException.class, () -> streams.stream(0, last -> ended()));
        assertEquals(ProblemType.UNAVAILABLE, refused.type());
        assertEquals("5", refused.headers().get("Retry-After"));
        assertEquals(0, streams.freeSlots());
    }

    @Test
    void aStreamStartsAfterTheEventTheClientHasAndSendsHeartbeatsInItsSilences() {
        EventStreams streams = new EventStreams(Duration.ofMinutes(5), Duration.ofMillis(100));
        JobEvent seventh = new JobEvent(7, OffsetDateTime.now(), "info", "message", "seventh", null);
        List<Long> asked = new CopyOnWriteArrayList<>();
        long start = System.nanoTime();
        Multi<EventStreams.Frame> stream = streams.stream(5, last -> {
            asked.add(last);
            if (last == 5) {
                return new EventStreams.Snapshot(false, List.of(seventh));
            }
            boolean silentLongEnough = System.nanoTime() - start > Duration.ofMillis(450).toNanos();
            return new EventStreams.Snapshot(silentLongEnough, List.of());
        });
        List<EventStreams.Frame> received = stream.collect().asList().await().atMost(Duration.ofSeconds(5));
        assertEquals(5L, asked.get(0), "the first read starts after the client's last event");
        assertEquals(seventh, received.get(0).event());
        assertTrue(asked.stream().skip(1).allMatch(last -> last == 7), "later reads start after the event sent: " + asked);
        long heartbeats = received.stream().filter(EventStreams.Frame::heartbeat).count();
        assertTrue(heartbeats >= 2 && heartbeats <= 5, heartbeats + " heartbeats in about 450 ms of silence at 100 ms");
        assertEquals(1, received.size() - heartbeats, "the one event, once");
    }
}
