package dev.bonsai.tenant;

import dev.bonsai.platform.ProblemException;
import dev.bonsai.platform.ProblemType;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import java.util.List;
import java.util.Map;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.SimpleResourceInfo;

/**
 * Authenticates every {@code /v1} call with {@code Authorization: Bearer <key>}. Runs after
 * matching, on the resource's own (worker) thread, so it may use the database.
 */
public class ApiKeyAuthFilter {

    private static final String BEARER = "Bearer ";

    @Inject
    KnownKeys keys;

    @Inject
    Caller caller;

    @ServerRequestFilter(priority = jakarta.ws.rs.Priorities.AUTHENTICATION)
    public void authenticate(ContainerRequestContext request, SimpleResourceInfo resource) {
        if (!request.getUriInfo().getPath().startsWith("/v1/")) {
            return;
        }
        String secret = secret(request.getHeaderString(HttpHeaders.AUTHORIZATION));
        if (secret == null) {
            throw unauthenticated("Send your API key as 'Authorization: Bearer <key>'.");
        }
        ApiKeyService.Principal principal = keys.authenticate(secret)
                .orElseThrow(() -> unauthenticated("The API key is not valid or has been revoked."));
        boolean adminRoute = resource.getResourceClass().isAnnotationPresent(AdminOnly.class);
        if (principal.admin()) {
            if (!adminRoute) {
                throw new ProblemException(ProblemType.FORBIDDEN,
                        "The admin key manages tenants; use a tenant's API key for this endpoint.");
            }
            caller.authenticateAdmin();
        } else {
            if (adminRoute) {
                throw new ProblemException(ProblemType.FORBIDDEN, "This endpoint needs the admin key.");
            }
            caller.authenticateTenant(principal.tenantId());
        }
    }

    /** The key in an {@code Authorization: Bearer <key>} header, or null when there is none. */
    static String secret(String header) {
        if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return null;
        }
        return header.substring(BEARER.length()).trim();
    }

    static ProblemException unauthenticated(String detail) {
        return new ProblemException(ProblemType.UNAUTHENTICATED, detail, List.of(), Map.of(),
                Map.of(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"bonsai\""));
    }
}
