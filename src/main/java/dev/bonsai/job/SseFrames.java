package dev.bonsai.job;

import dev.bonsai.platform.ProblemException;
import dev.bonsai.platform.ProblemType;
import io.smallrye.mutiny.Multi;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;

/**
 * A live stream's frames as server-sent events: each job event with its id, so that a client
 * that reconnects says where it stopped, and each heartbeat as a comment, which clients ignore.
 */
public final class SseFrames {

    /** The header a reconnecting client sends, with the id of the last event it received. */
    public static final String LAST_EVENT_ID = "Last-Event-ID";

    private SseFrames() {
    }

    /** The event id a client's {@code Last-Event-ID} names, 0 when it sent none. */
    public static long lastEventId(String header) {
        if (header == null || header.isBlank()) {
            return 0;
        }
        try {
            long id = Long.parseLong(header.strip());
            if (id >= 0) {
                return id;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new ProblemException(ProblemType.INVALID_REQUEST, "The Last-Event-ID header must be the id of an event"
                + " this stream sent (a whole number).");
    }

    /** Every frame as the event or comment it is sent as. */
    public static Multi<OutboundSseEvent> of(Sse sse, Multi<EventStreams.Frame> frames) {
        return frames.map(frame -> frame.heartbeat()
                ? sse.newEventBuilder().comment("heartbeat").build()
                : sse.newEventBuilder().id(Long.toString(frame.event().id())).mediaType(MediaType.APPLICATION_JSON_TYPE)
                        .data(JobEvent.class, frame.event()).build());
    }
}
