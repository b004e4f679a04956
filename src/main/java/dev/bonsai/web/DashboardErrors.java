package dev.bonsai.web;

import dev.bonsai.platform.Problem;
import dev.bonsai.platform.ProblemException;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * Renders the API's problems for people: a whole page for a page that failed (a 404 for another
 * tenant's model, say), or, for a form sent with htmx, the problem with its field errors in place of
 * the form's message area.
 */
@ApplicationScoped
public class DashboardErrors {

    @Inject
    @Location("dashboard/error.html")
    Template page;

    @Inject
    @Location("dashboard/problem.html")
    Template fragment;

    public Response render(ProblemException e, HttpHeaders headers) {
        Problem problem = e.toProblem();
        boolean partial = headers.getHeaderString("HX-Request") != null;
        String html = partial ? fragment.data("problem", problem).render()
                : page.data("problem", problem).data("nav", "").render();
        Response.ResponseBuilder response = Response.status(problem.status())
                .type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8")).entity(html);
        e.headers().forEach(response::header);
        return response.build();
    }
}
