package dev.bonsai.web;

import dev.bonsai.platform.ProblemException;
import dev.bonsai.webhook.WebhookService;
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
import java.util.List;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Webhook endpoints: create one (its signing secret shown once), list them, turn one off or on
 * again, delete one, and read an endpoint's delivery log.
 */
@Path("/dashboard/webhooks")
@Produces(MediaType.TEXT_HTML)
public class WebhookPages {

    private static final int MAX_LISTED = 100;

    @Inject
    WebhookService webhooks;

    @Inject
    DashboardSession session;

    @Inject
    DashboardErrors errors;

    @Inject
    @Location("dashboard/webhooks.html")
    Template page;

    @Inject
    @Location("dashboard/webhook-list.html")
    Template endpointList;

    @Inject
    @Location("dashboard/webhook.html")
    Template endpointPage;

    @GET
    public String list() {
        return endpoints(page.data("nav", "webhooks").data("eventTypes", webhooks.eventTypes())).render();
    }

    /** Answers the endpoint list with the new endpoint's secret above it, the only time it is shown. */
    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public String create(@RestForm String url, @RestForm List<String> events, @RestForm String description) {
        WebhookService.CreatedWebhookEndpoint created = webhooks.create(session.tenantId(), url,
                events == null ? List.of() : events, description, true);
        return endpoints(endpointList.data("created", created)).render();
    }

    @POST
    @Path("/{id}/enable")
    public String enable(@RestPath String id) {
        webhooks.update(session.tenantId(), id, null, null, null, true);
        return endpoints(endpointList.instance()).render();
    }

    @POST
    @Path("/{id}/disable")
    public String disable(@RestPath String id) {
        webhooks.update(session.tenantId(), id, null, null, null, false);
        return endpoints(endpointList.instance()).render();
    }

    @POST
    @Path("/{id}/delete")
    public String delete(@RestPath String id) {
        webhooks.delete(session.tenantId(), id);
        return endpoints(endpointList.instance()).render();
    }

    @GET
    @Path("/{id}")
    public String endpoint(@RestPath String id) {
        return endpointPage.data("nav", "webhooks").data("endpoint", webhooks.get(session.tenantId(), id))
                .data("deliveries", webhooks.deliveries(session.tenantId(), id, MAX_LISTED, null).data()).render();
    }

    /** A refused form shows its problem above the form, and the list stays as it was. */
    @ServerExceptionMapper
    public Response problem(ProblemException e, HttpHeaders headers) {
        Response rendered = errors.render(e, headers);
        if (headers.getHeaderString("HX-Request") == null) {
            return rendered;
        }
        return Response.fromResponse(rendered).header("HX-Retarget", "#webhook-problem").header("HX-Reswap", "innerHTML")
                .build();
    }

    private TemplateInstance endpoints(TemplateInstance template) {
        return template.data("endpoints", webhooks.list(session.tenantId(), MAX_LISTED, null).data());
    }
}
