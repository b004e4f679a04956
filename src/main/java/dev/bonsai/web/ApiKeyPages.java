package dev.bonsai.web;

import dev.bonsai.platform.ProblemException;
import dev.bonsai.tenant.ApiKeyService;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateInstance;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** API keys: create one (its secret shown once), list them, revoke one. */
@Path("/dashboard/api-keys")
@Produces(MediaType.TEXT_HTML)
public class ApiKeyPages {

    private static final int MAX_LISTED = 100;

    @Inject
    ApiKeyService keys;

    @Inject
    DashboardSession session;

    @Inject
    DashboardErrors errors;

    @Inject
    @Location("dashboard/api-keys.html")
    Template page;

    @Inject
    @Location("dashboard/api-key-list.html")
    Template keyList;

    @GET
    public String list() {
        return keys(page.data("nav", "api-keys")).render();
    }

    /** Answers the key list with the new key's secret above it, the only time it is shown. */
    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public String create(@RestForm String name) {
        if (name != null && name.strip().length() > 200) {
            throw ProblemException.invalidField("/name", "A key's name is at most 200 characters.");
        }
        ApiKeyService.CreatedApiKey created = keys.create(session.tenantId(), name);
        return keys(keyList.data("created", created)).render();
    }

    /** Revoking the key this browser signed in with also ends this session. */
    @POST
    @Path("/{id}/revoke")
    public Response revoke(@RestPath String id, HttpHeaders headers) {
        keys.revoke(session.tenantId(), id);
        if (id.equals(session.apiKeyId())) {
            return SignInPages.navigate(DashboardFilter.SIGN_IN, headers).build();
        }
        return Response.ok(keys(keyList.instance()).render()).build();
    }

    @ServerExceptionMapper
    public Response problem(ProblemException e, HttpHeaders headers) {
        return errors.render(e, headers);
    }

    private TemplateInstance keys(TemplateInstance template) {
        return template.data("keys", keys.list(session.tenantId(), MAX_LISTED, null).data())
                .data("currentKey", session.apiKeyId());
    }
}
