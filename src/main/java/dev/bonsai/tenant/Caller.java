package dev.bonsai.tenant;

import dev.bonsai.platform.ProblemException;
import dev.bonsai.platform.ProblemType;
import jakarta.enterprise.context.RequestScoped;

/** Who is making the current request, as established by {@link ApiKeyAuthFilter}. */
@RequestScoped
public class Caller {

    private String tenantId;
    private boolean admin;

    void authenticateTenant(String tenantId) {
        this.tenantId = tenantId;
        this.admin = false;
    }

    void authenticateAdmin() {
        this.tenantId = null;
        this.admin = true;
    }

    public boolean isAdmin() {
        return admin;
    }

    /** The calling tenant's id; every query of tenant data is scoped by it. */
    public String tenantId() {
        if (tenantId == null) {
            throw new ProblemException(ProblemType.FORBIDDEN, "This endpoint takes a tenant's API key, not the admin key.");
        }
        return tenantId;
    }
}
