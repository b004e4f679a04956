package dev.bonsai.platform;

import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Inject;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Starts a request body's clock ({@link HttpEdge#bodyDeadline}) once its resource has been matched
 * and a thread is about to read it: request filters run before the body is read.
 */
public class BodyDeadlineFilter {

    @Inject
    HttpEdge edge;

    @ServerRequestFilter(priority = jakarta.ws.rs.Priorities.AUTHENTICATION - 10)
    public void arm(RoutingContext context) {
        edge.bodyDeadline(context);
    }
}
