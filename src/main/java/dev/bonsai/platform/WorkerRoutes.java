package dev.bonsai.platform;

import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.Map;

/**
 * A worker replica ({@code BONSAI_ROLE=worker}) serves health and metrics only: every other path
 * (the API, the dashboard) is a 404 problem saying which replicas serve it, so a misrouted client
 * or a Service selecting the wrong pods is told so instead of being served by a process sized
 * for training.
 */
@ApplicationScoped
public class WorkerRoutes {

    @Inject
    BonsaiConfig config;

    @Inject
    HttpEdge edge;

    void install(@Observes Router router) {
        if (config.role().servesApi()) {
            return;
        }
        // Ahead of HttpEdge's checks (keys included): a worker has no API to authenticate for.
        router.route().order(Integer.MIN_VALUE + 1).handler(context -> {
            if (context.request().path() != null && context.request().path().startsWith("/q/")) {
                context.next();
                return;
            }
            edge.problem(context, ProblemType.NOT_FOUND, "This replica runs jobs only (BONSAI_ROLE=worker) and serves"
                    + " health and metrics under /q/; the API and the dashboard are served by the api replicas.", Map.of());
        });
    }
}
