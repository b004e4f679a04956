package dev.bonsai.webhook;

import dev.bonsai.platform.BonsaiConfig;
import dev.bonsai.platform.Changes;
import dev.bonsai.platform.InstanceName;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.hibernate.query.NativeQuery;
import org.jboss.logging.Logger;

/**
 * Sends due deliveries from the outbox, on every replica that runs jobs. A replica claims due rows
 * (skipping rows another is claiming) for a while longer than an attempt can take, makes the
 * attempt, and records it only if its claim still stands: a replica that paused past its claim
 * records nothing, and the row is tried again by whoever claimed it next. Deliveries are therefore
 * at least once, as webhooks are; a receiver tells a repeat by {@code webhook-id}.
 *
 * <p>An attempt is one signed POST to the address checked just before it ({@link WebhookTargets}),
 * redirects not followed, within {@code BONSAI_WEBHOOKS_TIMEOUT}. A 2xx answer delivers it;
 * anything else is retried after a wait that grows fourfold from {@code BONSAI_WEBHOOKS_FIRST_RETRY}
 * (up to {@code BONSAI_WEBHOOKS_MAX_RETRY_DELAY}, give or take a tenth), until
 * {@code BONSAI_WEBHOOKS_RETRY_WINDOW} after the event, when it is given up. An endpoint that
 * answered nothing successfully for a delivery's whole window is disabled until its tenant enables it.
 */
@ApplicationScoped
public class WebhookDispatcher {

    private static final Logger LOG = Logger.getLogger(WebhookDispatcher.class);
    /** How often the outbox is read when nothing announced a delivery. */
    private static final long POLL_MILLIS = 1000;
    private static final Duration SWEEP_EVERY = Duration.ofMinutes(10);
    static final String USER_AGENT = "Bonsai-Webhooks/1";

    @Inject
    BonsaiConfig config;

    @Inject
    InstanceName instance;

    @Inject
    WebhookSecrets secrets;

    @Inject
    EntityManager entities;

    @Inject
    Vertx vertx;

    private volatile boolean running;
    private final Semaphore wakeups = new Semaphore(0);
    private Semaphore free;
    private ExecutorService senders;
    /** Wakes the loop when a failed delivery's wait is over, so retries keep their waits rather than the poll's. */
    private ScheduledExecutorService retries;
    private HttpClient client;
    private Thread loop;
    private Instant lastSweep = Instant.EPOCH;

    /** One claimed delivery: what to send where, which attempt this is, and the replica that claimed it. */
    record Claimed(String id, String endpointId, String eventId, String payload, int attempt, String url, String sealedSecret,
            String previousSealedSecret, String claimant) {
    }

    /** How an attempt went: a status when the target answered, the error otherwise. */
    record Outcome(Integer status, long latencyMillis, String error) {
        boolean delivered() {
            return status != null && status >= 200 && status < 300;
        }
    }

    void start(@Observes StartupEvent event) {
        if (!config.role().runsJobs()) {
            return;
        }
        int concurrency = Math.max(1, config.webhooks().concurrency());
        free = new Semaphore(concurrency);
        AtomicInteger threads = new AtomicInteger();
        senders = Executors.newFixedThreadPool(concurrency, task -> {
            Thread thread = new Thread(task, "webhook-sender-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        retries = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "webhook-retry-timer");
            thread.setDaemon(true);
            return thread;
        });
        client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false).setForceSni(true)
                .setVerifyHost(true).setMaxRedirects(0));
        running = true;
        loop = new Thread(this::dispatch, "webhook-dispatcher");
        loop.setDaemon(true);
        loop.start();
    }

    void stop(@Observes ShutdownEvent event) {
        if (!running) {
            return;
        }
        running = false;
        wakeups.release();
        senders.shutdown();
        retries.shutdownNow();
        try {
            // Attempts under way finish (they take at most the timeout); what is not recorded is retried after its claim.
            senders.awaitTermination(config.webhooks().timeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
            loop.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        client.close();
    }

    /** Deliveries were written (here or on another replica): look for them now rather than at the next poll. */
    void changed(@Observes(during = TransactionPhase.AFTER_SUCCESS) Changes.Change change) {
        if (change.kind() == Changes.Kind.WEBHOOKS || change.kind() == Changes.Kind.EVERYTHING) {
            wakeups.release();
        }
    }

    private void dispatch() {
        while (running) {
            try {
                int available = free.availablePermits();
                List<Claimed> due = available == 0 ? List.of() : claim(available);
                for (Claimed delivery : due) {
                    free.acquireUninterruptibly();
                    senders.execute(() -> {
                        try {
                            attempt(delivery);
                        } finally {
                            free.release();
                            wakeups.release();
                        }
                    });
                }
                sweepNowAndThen();
                if (due.isEmpty() || due.size() < available) {
                    wakeups.tryAcquire(POLL_MILLIS, TimeUnit.MILLISECONDS);
                    wakeups.drainPermits();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                // The database may be restarting; try again after a poll's wait.
                LOG.warnf("Webhook deliveries could not be read: %s", e.getMessage());
                sleepQuietly();
            }
        }
    }

    /** Claims up to {@code limit} due deliveries of enabled endpoints, counting the attempt about to be made. */
    @SuppressWarnings("unchecked")
    List<Claimed> claim(int limit) {
        double claimSeconds = config.webhooks().timeout().toMillis() * 3 / 1000.0 + 5;
        List<Object[]> rows = QuarkusTransaction.requiringNew().call(() -> entities.createNativeQuery("""
                with due as (
                    select d.id from webhook_deliveries d join webhook_endpoints e on e.id = d.endpoint_id
                    where d.status = 'pending' and d.next_attempt_at <= now() and e.enabled
                      and (d.claimed_until is null or d.claimed_until < now())
                    order by d.next_attempt_at limit ?1
                    for update of d skip locked),
                claimed as (
                    update webhook_deliveries d set claimed_by = ?2, claimed_until = now() + make_interval(secs => ?3),
                        attempts = d.attempts + 1, last_attempt_at = now()
                    from due where d.id = due.id
                    returning d.id, d.endpoint_id, d.event_id, d.payload, d.attempts)
                select c.id, c.endpoint_id, c.event_id, c.payload, c.attempts, e.url, e.sealed_secret,
                    case when e.previous_secret_expires_at > now() then e.previous_sealed_secret end
                from claimed c join webhook_endpoints e on e.id = c.endpoint_id
                """).setParameter(1, limit).setParameter(2, instance.name()).setParameter(3, claimSeconds).getResultList());
        return rows.stream().map(row -> new Claimed((String) row[0], (String) row[1], (String) row[2], (String) row[3],
                ((Number) row[4]).intValue(), (String) row[5], (String) row[6], (String) row[7], instance.name())).toList();
    }

    /** Makes one attempt at {@code delivery} and records how it went. */
    void attempt(Claimed delivery) {
        Outcome outcome;
        try {
            outcome = send(delivery);
        } catch (RuntimeException e) {
            LOG.errorf(e, "Webhook delivery %s could not be attempted", delivery.id());
            outcome = new Outcome(null, 0, "the delivery could not be attempted on our side");
        }
        try {
            record(delivery, outcome);
        } catch (RuntimeException e) {
            LOG.warnf("Webhook delivery %s: the attempt could not be recorded (it is tried again): %s", delivery.id(),
                    e.getMessage());
        }
    }

    private Outcome send(Claimed delivery) {
        String secret;
        String previous;
        try {
            secret = secrets.open(delivery.endpointId(), delivery.sealedSecret());
            previous = delivery.previousSealedSecret() == null ? null
                    : secrets.open(delivery.endpointId(), delivery.previousSealedSecret());
        } catch (WebhookSecrets.WrongKey e) {
            LOG.error(e.getMessage());
            return new Outcome(null, 0, "this replica cannot sign for the endpoint (its operator key differs)");
        }
        URI uri = URI.create(delivery.url());
        InetAddress address;
        try {
            address = WebhookTargets.resolve(uri, config.webhooks().allowPrivateTargets());
        } catch (WebhookTargets.Refused e) {
            return new Outcome(null, 0, e.getMessage());
        }
        boolean https = uri.getScheme().equalsIgnoreCase("https");
        int port = uri.getPort() > 0 ? uri.getPort() : https ? 443 : 80;
        String target = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        long timestamp = Instant.now().getEpochSecond();
        long timeout = config.webhooks().timeout().toMillis();
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setSsl(https)
                .setHost(uri.getHost()).setPort(port).setURI(target)
                .setServer(SocketAddress.inetSocketAddress(port, address.getHostAddress()))
                .setFollowRedirects(false).setConnectTimeout(timeout).setIdleTimeout(timeout)
                .putHeader("content-type", "application/json")
                .putHeader("user-agent", USER_AGENT)
                .putHeader("webhook-id", delivery.eventId())
                .putHeader("webhook-timestamp", Long.toString(timestamp))
                .putHeader("webhook-signature", WebhookSignature.sign(secret, delivery.eventId(), timestamp, delivery.payload())
                        // Within a day of a rotation, the previous secret's signature too (space-delimited, as the specification allows).
                        + (previous == null ? "" : " " + WebhookSignature.sign(previous, delivery.eventId(), timestamp,
                                delivery.payload())));
        AtomicReference<HttpClientRequest> sent = new AtomicReference<>();
        long started = System.nanoTime();
        CompletableFuture<Integer> answer = client.request(options)
                .compose(request -> {
                    sent.set(request);
                    // Failures are read from the answer below; the reset after the answer is ours.
                    request.exceptionHandler(ignored -> { });
                    return request.send(Buffer.buffer(delivery.payload()));
                })
                .map(response -> {
                    // Only the status counts; the body is not read, and the connection is closed (its reset is ours).
                    response.exceptionHandler(ignored -> { });
                    response.request().reset();
                    return response.statusCode();
                })
                .toCompletionStage().toCompletableFuture();
        try {
            int status = answer.get(timeout, TimeUnit.MILLISECONDS);
            long latency = elapsedMillis(started);
            if (status >= 300 && status < 400) {
                return new Outcome(status, latency, "the endpoint answered with a redirect (" + status
                        + "), which is not followed; give the URL it points to");
            }
            return new Outcome(status, latency, status >= 200 && status < 300 ? null : "the endpoint answered " + status);
        } catch (TimeoutException e) {
            if (sent.get() != null) {
                sent.get().reset();
            }
            return new Outcome(null, elapsedMillis(started), "no answer within " + timeout + " ms");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return new Outcome(null, elapsedMillis(started), "the request failed: " + describe(cause));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(null, elapsedMillis(started), "the server shut down during the attempt");
        }
    }

    /**
     * Records the attempt if its claim still stands (the row is still claimed by the same replica
     * for the same attempt): delivered, or pending again after
     * its wait, or given up once the wait would pass the retry window (and then the endpoint is
     * disabled if nothing succeeded there since the event).
     */
    void record(Claimed delivery, Outcome outcome) {
        QuarkusTransaction.requiringNew().run(() -> {
            Integer latency = outcome.status() == null && outcome.latencyMillis() == 0 ? null
                    : (int) Math.min(Integer.MAX_VALUE, outcome.latencyMillis());
            if (outcome.delivered()) {
                int updated = sql("""
                        update webhook_deliveries set status = 'delivered', delivered_at = now(), claimed_by = null,
                            claimed_until = null, response_status = ?1, latency_ms = ?2, last_error = null
                        where id = ?3 and claimed_by = ?4 and attempts = ?5 and status = 'pending'
                        """).setParameter(1, outcome.status(), Integer.class).setParameter(2, latency, Integer.class).setParameter(3, delivery.id())
                        .setParameter(4, delivery.claimant()).setParameter(5, delivery.attempt()).executeUpdate();
                if (updated == 1) {
                    entities.createNativeQuery("update webhook_endpoints set consecutive_failures = 0, last_success_at = now()"
                            + " where id = ?1").setParameter(1, delivery.endpointId()).executeUpdate();
                }
                return;
            }
            double wait = retryDelay(delivery.attempt()).toMillis() / 1000.0;
            List<?> status = sql("""
                    update webhook_deliveries set
                        status = case when created_at + make_interval(secs => ?1) < now() + make_interval(secs => ?2)
                                      then 'failed' else 'pending' end,
                        next_attempt_at = now() + make_interval(secs => ?2), claimed_by = null, claimed_until = null,
                        response_status = ?3, latency_ms = ?4, last_error = ?5
                    where id = ?6 and claimed_by = ?7 and attempts = ?8 and status = 'pending'
                    returning status, created_at
                    """).setParameter(1, config.webhooks().retryWindow().toMillis() / 1000.0).setParameter(2, wait)
                    .setParameter(3, outcome.status(), Integer.class).setParameter(4, latency, Integer.class)
                    .setParameter(5, outcome.error(), String.class)
                    .setParameter(6, delivery.id()).setParameter(7, delivery.claimant()).setParameter(8, delivery.attempt())
                    .getResultList();
            if (status.isEmpty()) {
                return; // the claim lapsed and another replica holds the delivery now
            }
            if (retries != null && "pending".equals(((Object[]) status.get(0))[0])) {
                retries.schedule(() -> wakeups.release(), Math.round(wait * 1000) + 5, TimeUnit.MILLISECONDS);
            }
            entities.createNativeQuery("update webhook_endpoints set consecutive_failures = consecutive_failures + 1"
                    + " where id = ?1").setParameter(1, delivery.endpointId()).executeUpdate();
            if ("failed".equals(((Object[]) status.get(0))[0])) {
                int disabled = entities.createNativeQuery("""
                        update webhook_endpoints set enabled = false, updated_at = now(), disabled_reason = ?1
                        where id = ?2 and enabled
                          and (last_success_at is null
                               or last_success_at < (select created_at from webhook_deliveries where id = ?3))
                        """).setParameter(1, "Disabled after every attempt failed for a delivery's whole retry window"
                                + " (last: " + outcome.error() + "). Enable it again once it answers.")
                        .setParameter(2, delivery.endpointId()).setParameter(3, delivery.id()).executeUpdate();
                if (disabled == 1) {
                    LOG.infof("Webhook endpoint %s disabled: every attempt failed for a whole retry window", delivery.endpointId());
                }
            }
        });
    }

    /** A native statement whose parameters can be bound with their type, so that a null is bound as one of that type. */
    @SuppressWarnings("unchecked")
    private NativeQuery<Object> sql(String statement) {
        return entities.createNativeQuery(statement).unwrap(NativeQuery.class);
    }

    /** The wait after failed attempt number {@code attempt}: fourfold each time from the first, capped, give or take a tenth. */
    Duration retryDelay(int attempt) {
        double first = config.webhooks().firstRetry().toMillis();
        double capped = Math.min(first * Math.pow(4, Math.max(0, attempt - 1)), config.webhooks().maxRetryDelay().toMillis());
        return Duration.ofMillis(Math.round(capped * ThreadLocalRandom.current().nextDouble(0.9, 1.1)));
    }

    /** Removes deliveries older than the log keeps, now and then. */
    private void sweepNowAndThen() {
        Instant now = Instant.now();
        if (Duration.between(lastSweep, now).compareTo(SWEEP_EVERY) < 0) {
            return;
        }
        lastSweep = now;
        QuarkusTransaction.requiringNew().run(() -> entities.createNativeQuery(
                "delete from webhook_deliveries where status <> 'pending' and created_at < now() - make_interval(secs => ?1)")
                .setParameter(1, (double) config.webhooks().logRetention().toSeconds()).executeUpdate());
    }

    /** A failed request in words, for the tenant's delivery log (no class names). */
    private static String describe(Throwable cause) {
        String kind = cause instanceof java.net.ConnectException ? "could not connect"
                : cause instanceof javax.net.ssl.SSLException ? "the TLS connection failed"
                : "the connection failed";
        String message = cause.getMessage();
        return message == null || message.isBlank() ? kind : kind + " (" + message.replaceAll("\\s+", " ") + ")";
    }

    private static long elapsedMillis(long startedNanos) {
        return Math.max(1, (System.nanoTime() - startedNanos) / 1_000_000);
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
