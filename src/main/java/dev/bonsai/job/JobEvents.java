package dev.bonsai.job;

import dev.bonsai.platform.Cursor;
import dev.bonsai.platform.Page;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

/**
 * The event log of jobs: appended by workers (through their {@link Attempt}, in the transaction
 * that checks the attempt still holds the job) and by services, read in order by pages and streams.
 */
@ApplicationScoped
public class JobEvents {

    @Inject
    Event<JobEnded> endings;

    @Transactional
    public void message(String jobId, String level, String message) {
        append(jobId, level, "message", message, null);
    }

    @Transactional
    public void metrics(String jobId, String message, Map<String, Object> data) {
        append(jobId, "info", "metrics", message, data);
    }

    /** Tells observers, in the caller's transaction, that {@code job} has just ended ({@link JobEnded}). */
    void ended(JobEntity job) {
        endings.fire(new JobEnded(job));
    }

    private static void append(String jobId, String level, String type, String message, Map<String, Object> data) {
        JobEventEntity event = new JobEventEntity();
        event.jobId = jobId;
        event.createdAt = OffsetDateTime.now(ZoneOffset.UTC);
        event.level = level;
        event.type = type;
        event.message = message;
        event.data = data;
        event.persist();
    }

    /** Events after {@code afterId} in order; the caller has checked the job belongs to the tenant. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<JobEvent> after(String jobId, long afterId, int limit) {
        return JobEventEntity.<JobEventEntity>find("jobId = ?1 and id > ?2 order by id", jobId, afterId)
                .page(0, limit).stream().map(JobEvent::of).toList();
    }

    /** A page of events in order, with the id of the last one as the cursor. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Page<JobEvent> page(String jobId, Integer limit, String after) {
        int pageSize = Cursor.limit(limit);
        long from = after == null || after.isBlank() ? 0 : Cursor.decode(after);
        List<JobEvent> events = after(jobId, from, pageSize + 1);
        boolean hasMore = events.size() > pageSize;
        List<JobEvent> shown = hasMore ? events.subList(0, pageSize) : events;
        return new Page<>(List.copyOf(shown), hasMore, hasMore ? Cursor.encode(shown.get(shown.size() - 1).id()) : null);
    }
}
