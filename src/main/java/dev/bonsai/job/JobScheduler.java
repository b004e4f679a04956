package dev.bonsai.job;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
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
import dev.bonsai.platform.BonsaiConfig;
import org.jboss.logging.Logger;

/**
 * Dispatches jobs through db-scheduler on the application's PostgreSQL: any replica may pick a job
 * up, heartbeats show it is alive, and a job whose replica died is run again elsewhere (its worker
 * resumes from what it stored). Workers implement {@link JobWorker}.
 */
@ApplicationScoped
public class JobScheduler {

    private static final Logger LOG = Logger.getLogger(JobScheduler.class);

    /** Runs one kind of job. {@link #run} must record failure on the job row rather than throw. */
    public interface JobWorker {
        String taskName();

        void run(String jobId);
    }

    @Inject
    AgroalDataSource dataSource;

    @Inject
    Instance<JobWorker> workers;

    @Inject
    BonsaiConfig config;

    private Scheduler scheduler;
    private final List<OneTimeTask<Void>> tasks = new ArrayList<>();

    void start(@Observes StartupEvent event) {
        for (JobWorker worker : workers) {
            tasks.add(Tasks.oneTime(worker.taskName()).execute((instance, context) -> worker.run(instance.getId())));
        }
        scheduler = Scheduler.create(dataSource, new ArrayList<>(tasks))
                .threads(config.jobs().concurrency())
                .pollingInterval(Duration.ofSeconds(1))
                .heartbeatInterval(config.jobs().heartbeatInterval())
                .enableImmediateExecution()
                .build();
        scheduler.start();
        LOG.infof("Job scheduler started with %d worker thread(s)", config.jobs().concurrency());
    }

    void stop(@Observes ShutdownEvent event) {
        if (scheduler != null) {
            scheduler.stop();
        }
    }

    /** Queues {@code jobId} for the worker of {@code taskName}; call after the job row is committed. */
    public void schedule(String taskName, String jobId) {
        OneTimeTask<Void> task = tasks.stream().filter(candidate -> candidate.getName().equals(taskName)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no worker for " + taskName));
        scheduler.schedule(task.instance(jobId), Instant.now());
    }
}
