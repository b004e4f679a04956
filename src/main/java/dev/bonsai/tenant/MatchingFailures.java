package dev.bonsai.tenant;

import dev.bonsai.platform.ProblemMappers;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.inject.Inject;
import jakarta.ws.rs.NotAcceptableException;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * A call that fails matching (a method, Content-Type or Accept its path does not take) fails before
 * {@link ApiKeyAuthFilter} runs, which comes after matching. Its key is checked here instead, off
 * the event loop, so that who is calling still comes before what they sent: with a key that is not
 * valid the answer is 401, not a 405 or 415 that describes the API to a caller without a key.
 */
public class MatchingFailures {

    @Inject
    KnownKeys keys;

    @ServerExceptionMapper(priority = jakarta.ws.rs.Priorities.USER - 200)
    public Uni<Response> notSupported(NotSupportedException e, UriInfo uri, HttpHeaders headers) {
        return authenticatedFirst(e, uri, headers);
    }

    @ServerExceptionMapper(priority = jakarta.ws.rs.Priorities.USER - 200)
    public Uni<Response> notAllowed(NotAllowedException e, UriInfo uri, HttpHeaders headers) {
        return authenticatedFirst(e, uri, headers);
    }

    @ServerExceptionMapper(priority = jakarta.ws.rs.Priorities.USER - 200)
    public Uni<Response> notAcceptable(NotAcceptableException e, UriInfo uri, HttpHeaders headers) {
        return authenticatedFirst(e, uri, headers);
    }

    private Uni<Response> authenticatedFirst(WebApplicationException e, UriInfo uri, HttpHeaders headers) {
        if (!uri.getPath().startsWith("/v1/")) {
            return Uni.createFrom().item(ProblemMappers.clientError(e));
        }
        String secret = ApiKeyAuthFilter.secret(headers.getHeaderString(HttpHeaders.AUTHORIZATION));
        return Uni.createFrom().item(() -> keys.authenticate(secret).isPresent())
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .map(valid -> valid ? ProblemMappers.clientError(e) : unauthenticated());
    }

    private static Response unauthenticated() {
        return ProblemMappers.response(ApiKeyAuthFilter.unauthenticated("The API key is not valid or has been revoked."));
    }
}
