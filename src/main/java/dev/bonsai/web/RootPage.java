package dev.bonsai.web;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Response;
import java.net.URI;

/** The server's own address sends people to the dashboard (the API lives under {@code /v1}). */
@Path("/")
public class RootPage {

    @GET
    public Response root() {
        return Response.seeOther(URI.create("/dashboard")).build();
    }
}
