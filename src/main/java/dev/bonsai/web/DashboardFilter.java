package dev.bonsai.web;

import dev.bonsai.tenant.DashboardSessions;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.Cookie;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * Guards every {@code /dashboard} page. A page needs a live session (its token in the HttpOnly
 * cookie); a form post also needs the session's CSRF token in the {@code X-CSRF-Token} header, which
 * the dashboard's script adds and a cross-site form cannot, and must not come from another origin.
 * Runs after matching, on the page's own (worker) thread, so it may use the database.
 */
public class DashboardFilter {

    static final String COOKIE = "bonsai_session";
    static final String CSRF_HEADER = "X-CSRF-Token";
    static final String SIGN_IN = "/dashboard/sign-in";
    private static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self';"
            + " img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    @Inject
    DashboardSessions sessions;

    @Inject
    DashboardSession current;

    @ServerRequestFilter(priority = Priorities.AUTHENTICATION)
    public Response authenticate(ContainerRequestContext request) {
        if (!isDashboard(request.getUriInfo().getPath())) {
            return null;
        }
        boolean unsafe = !"GET".equals(request.getMethod()) && !"HEAD".equals(request.getMethod());
        if (unsafe && !sameOrigin(request)) {
            return refuse(403, "This form was sent from another site.");
        }
        Cookie cookie = request.getCookies().get(COOKIE);
        Optional<DashboardSessions.Session> session = sessions.find(cookie == null ? null : cookie.getValue());
        session.ifPresent(current::signedIn);
        if (request.getUriInfo().getPath().equals(SIGN_IN)) {
            return null;
        }
        if (session.isEmpty()) {
            if (request.getHeaderString("HX-Request") != null) {
                return Response.status(401).header("HX-Redirect", SIGN_IN).build();
            }
            return Response.seeOther(URI.create(SIGN_IN)).build();
        }
        if (unsafe && !matches(session.get().csrfToken(), request.getHeaderString(CSRF_HEADER))) {
            return refuse(403, "This form is stale or was not sent by the dashboard; reload the page and try again.");
        }
        return null;
    }

    /** Dashboard pages are never cached, framed or allowed to run scripts from elsewhere. */
    @ServerResponseFilter
    public void secure(ContainerRequestContext request, ContainerResponseContext response) {
        if (isDashboard(request.getUriInfo().getPath())) {
            response.getHeaders().putSingle("Content-Security-Policy", CONTENT_SECURITY_POLICY);
            response.getHeaders().putSingle("X-Frame-Options", "DENY");
            response.getHeaders().putSingle("X-Content-Type-Options", "nosniff");
            response.getHeaders().putSingle("Referrer-Policy", "same-origin");
            if (!response.getHeaders().containsKey(HttpHeaders.CACHE_CONTROL)) {
                response.getHeaders().putSingle(HttpHeaders.CACHE_CONTROL, "no-store");
            }
        }
    }

    static boolean isDashboard(String path) {
        return path.equals("/dashboard") || path.startsWith("/dashboard/");
    }

    /** A browser names the page's origin on every post; it must be this server's. */
    private static boolean sameOrigin(ContainerRequestContext request) {
        String origin = request.getHeaderString("Origin");
        if (origin == null || origin.isEmpty()) {
            return true;
        }
        String host = request.getHeaderString(HttpHeaders.HOST);
        try {
            URI uri = URI.create(origin);
            String authority = uri.getPort() == -1 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
            return host != null && host.equalsIgnoreCase(authority);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static boolean matches(String expected, String given) {
        return given != null && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                given.getBytes(StandardCharsets.UTF_8));
    }

    private static Response refuse(int status, String message) {
        return Response.status(status).type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8"))
                .entity("<p class=\"problem\" role=\"alert\">" + message + "</p>").build();
    }
}
