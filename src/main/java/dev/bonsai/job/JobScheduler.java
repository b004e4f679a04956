package dev.bonsai.job;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.task.CompletionHandler;
import com.github.kagkarlsson.scheduler.task.Execution;
import com.github.kagkarlsson.scheduler.task.ExecutionComplete;
import com.github.kagkarlsson.scheduler.task.ExecutionOperations;
import com.github.kagkarlsson.scheduler.task.helper.CustomTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import dev.bonsai.platform.BonsaiConfig;
import dev.bonsai.platform.InstanceName;
import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Dispatches jobs through db-scheduler on the application's PostgreSQL: any replica may pick a job
 * up, heartbeats show it is alive, and a job whose replica stopped beating (it died, or is paused)
 * is queued again ahead of newer work and resumed elsewhere from what it stored. Workers implement
 * {@link JobWorker}; the job row, not the queue entry, says who holds a job ({@link Attempt}).
 */
@ApplicationScoped
public class JobScheduler {

    private static final Logger LOG = Logger.getLogger(JobScheduler.class);

    /** Missed heartbeats after which a replica's job is taken for abandoned and queued again. */
    static final int MISSED_HEARTBEATS = 4;

    /**
     * How far ahead of new work a job queued again goes: its queue entry keeps its place in time
     * moved this far back, so it runs before any job queued after it first was, and jobs queued
     * again keep their order among themselves.
     */
    private static final Duration AHEAD_OF_NEW_WORK = Duration.ofDays(365L * 50);
    /** How long shutting down waits for running jobs to reach a check and release their jobs. */
    private static final Duration SHUTDOWN_WAIT = Duration.ofMinutes(2);

    private static final Instant ALREADY_AHEAD = Instant.parse("1990-01-01T00:00:00Z");

    @Inject
    AgroalDataSource dataSource;

    @Inject
    Instance<JobWorker<?>> workers;

    @Inject
    JobLifecycle lifecycle;

    @Inject
    InstanceName instance;

    @Inject
    BonsaiConfig config;

    /** Runs jobs; null on an API replica, which only queues them. */
    private Scheduler scheduler;
    private SchedulerClient queue;
    private final List<CustomTask<Void>> tasks = new ArrayList<>();

    void start(@Observes StartupEvent event) {
        for (JobWorker<?> worker : workers) {
            tasks.add(Tasks.custom(worker.taskName(), Void.class)
                    .onDeadExecution((complete, operations) -> {
                        Execution execution = complete.getExecution();
                        lifecycle.requeue(worker.jobType(), execution.getId(), execution.pickedBy);
                        operations.reschedule(complete, ahead(execution.executionTime));
                    })
                    .execute((instance, context) -> completion(lifecycle.run(worker, instance.getId()))));
        }
        if (!config.role().runsJobs()) {
            queue = SchedulerClient.Builder.create(dataSource, new ArrayList<>(tasks)).build();
            LOG.infof("This replica (%s) queues jobs for the workers and runs none (BONSAI_ROLE=%s)", instance.name(),
                    config.role().name().toLowerCase(java.util.Locale.ROOT));
            return;
        }
        scheduler = Scheduler.create(dataSource, new ArrayList<>(tasks))
                .schedulerName(instance::name)
                .threads(config.jobs().concurrency())
                .pollingInterval(Duration.ofSeconds(1))
                .heartbeatInterval(config.jobs().heartbeatInterval())
                .missedHeartbeatsLimit(MISSED_HEARTBEATS)
                .enableImmediateExecution()
                .shutdownMaxWait(SHUTDOWN_WAIT)
                .build();
        scheduler.start();
        queue = scheduler;
        LOG.infof("Job scheduler started as %s with %d worker thread(s)", instance.name(), config.jobs().concurrency());
    }

    /**
     * Running jobs stop at their next check and are queued again for another replica (or this one,
     * restarted) to resume at once, without waiting for heartbeats to lapse.
     */
    void stop(@Observes ShutdownEvent event) {
        lifecycle.shutDown();
        if (scheduler != null) {
            scheduler.stop();
        }
    }

    /** Queues {@code jobId} for the worker of {@code taskName}; call after the job row is committed. */
    public void schedule(String taskName, String jobId) {
        CustomTask<Void> task = tasks.stream().filter(candidate -> candidate.getName().equals(taskName)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no worker for " + taskName));
        queue.schedule(task.instance(jobId), Instant.now());
    }

    private static CompletionHandler<Void> completion(JobLifecycle.Outcome outcome) {
        return switch (outcome) {
            case ENDED -> (complete, operations) -> operations.remove();
            // The queue entry now belongs to the attempt that took the job over.
            case LOST -> (complete, operations) -> { };
            case RELEASED -> JobScheduler::runNext;
        };
    }

    private static void runNext(ExecutionComplete complete, ExecutionOperations<Void> operations) {
        operations.reschedule(complete, ahead(complete.getExecution().executionTime));
    }

    static Instant ahead(Instant queuedAt) {
        return queuedAt.isBefore(ALREADY_AHEAD) ? queuedAt : queuedAt.minus(AHEAD_OF_NEW_WORK);
    }
}
