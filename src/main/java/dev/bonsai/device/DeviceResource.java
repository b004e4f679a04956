package dev.bonsai.device;

import dev.bonsai.platform.Page;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Produces(MediaType.APPLICATION_JSON)
@Path("/v1/devices")
@Tag(name = "Catalogues")
public class DeviceResource {

    @Inject
    DeviceCatalog catalog;

    @GET
    @Operation(operationId = "listDevices", summary = "List target device profiles for compression")
    public Page<Device> list() {
        return new Page<>(catalog.list(), false, null);
    }
}
