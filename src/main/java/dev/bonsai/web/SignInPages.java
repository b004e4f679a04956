package dev.bonsai.web;

import dev.bonsai.platform.ProblemException;
import dev.bonsai.tenant.DashboardSessions;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.net.URI;
import org.jboss.resteasy.reactive.RestCookie;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Signing in to the dashboard with an API key, and out again. */
@Path("/dashboard")
@Produces(MediaType.TEXT_HTML)
public class SignInPages {

    static final String HOME = "/dashboard/datasets";

    @Inject
    DashboardSessions sessions;

    @Inject
    DashboardSession session;

    @Inject
    DashboardErrors errors;

    @Inject
    @Location("dashboard/sign-in.html")
    Template signIn;

    @GET
    public Response home() {
        return Response.seeOther(URI.create(HOME)).build();
    }

    @GET
    @Path("/sign-in")
    public Response form() {
        if (session.isSignedIn()) {
            return Response.seeOther(URI.create(HOME)).build();
        }
        return Response.ok(signIn.data("nav", "").render()).build();
    }

    @POST
    @Path("/sign-in")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response signIn(@RestForm String apiKey, HttpHeaders headers, UriInfo uri) {
        if (apiKey == null || apiKey.isBlank()) {
            throw ProblemException.invalidField("/apiKey", "Paste one of your tenant's API keys (it starts with bns_).");
        }
        DashboardSessions.Opened opened = sessions.open(apiKey);
        NewCookie cookie = cookie(opened.token(), (int) DashboardSessions.LIFETIME.toSeconds(), headers, uri);
        return navigate(HOME, headers).cookie(cookie).build();
    }

    @POST
    @Path("/sign-out")
    public Response signOut(@RestCookie(DashboardFilter.COOKIE) String token, HttpHeaders headers, UriInfo uri) {
        sessions.close(token);
        return navigate(DashboardFilter.SIGN_IN, headers).cookie(cookie("", 0, headers, uri)).build();
    }

    @ServerExceptionMapper
    public Response problem(ProblemException e, HttpHeaders headers) {
        return errors.render(e, headers);
    }

    /** An htmx form navigates with HX-Redirect; a plain form follows a 303. */
    static Response.ResponseBuilder navigate(String path, HttpHeaders headers) {
        return headers.getHeaderString("HX-Request") != null
                ? Response.noContent().header("HX-Redirect", path)
                : Response.seeOther(URI.create(path));
    }

    /** HttpOnly so scripts never see it, SameSite=Lax and Secure when the page came over HTTPS. */
    private static NewCookie cookie(String value, int maxAge, HttpHeaders headers, UriInfo uri) {
        boolean https = "https".equalsIgnoreCase(headers.getHeaderString("X-Forwarded-Proto"))
                || "https".equalsIgnoreCase(uri.getRequestUri().getScheme());
        return new NewCookie.Builder(DashboardFilter.COOKIE).value(value).path("/dashboard").httpOnly(true)
                .sameSite(NewCookie.SameSite.LAX).secure(https).maxAge(maxAge).build();
    }
}
