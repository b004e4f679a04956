package dev.bonsai.inference;

import dev.bonsai.platform.BonsaiConfig;
import dev.bonsai.platform.HttpEdge;
import dev.bonsai.platform.ProblemType;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bound on prediction requests in this server, where they first wait. Each is counted at the
 * HTTP edge, on the event loop, before it takes a worker thread: requests queued for a thread,
 * running, or waiting for a session or a shared encoder all count, and beyond
 * {@code bonsai.inference.max-in-flight} a request is refused with 503 and Retry-After at once
 * instead of joining an unbounded queue. The per-variant and per-encoder bounds still apply inside.
 */
@ApplicationScoped
public class InferenceAdmission {

    @Inject
    BonsaiConfig config;

    @Inject
    HttpEdge edge;

    @Inject
    MeterRegistry registry;

    private final AtomicInteger inFlight = new AtomicInteger();

    void install(@Observes Router router) {
        int limit = config.inference().maxInFlight();
        registry.gauge("bonsai.predictions.in_flight", inFlight);
        router.routeWithRegex(HttpMethod.POST, "/v1/models/[^/]+/predictions").order(Integer.MIN_VALUE + 2)
                .handler(context -> {
                    if (inFlight.incrementAndGet() > limit) {
                        inFlight.decrementAndGet();
                        registry.counter("bonsai.predictions.rejected", "reason", "server_busy").increment();
                        edge.problem(context, ProblemType.UNAVAILABLE, "This server has " + limit + " prediction"
                                + " requests running or waiting; retry shortly.", Map.of("Retry-After", "1"));
                        return;
                    }
                    AtomicBoolean counted = new AtomicBoolean(true);
                    // Called once the response has ended or the connection failed, whichever comes first.
                    context.addEndHandler(ended -> {
                        if (counted.compareAndSet(true, false)) {
                            inFlight.decrementAndGet();
                        }
                    });
                    context.next();
                });
    }

    /** Prediction requests in this server now. */
    public int inFlight() {
        return inFlight.get();
    }
}
