package dev.bonsai.web;

import dev.bonsai.tenant.DashboardSessions;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Named;

/**
 * The signed-in browser of the current dashboard request, as established by
 * {@link DashboardFilter}. Templates read it as {@code inject:dashboardSession}.
 */
@RequestScoped
@Named("dashboardSession")
public class DashboardSession {

    private DashboardSessions.Session session;

    void signedIn(DashboardSessions.Session session) {
        this.session = session;
    }

    public boolean isSignedIn() {
        return session != null;
    }

    /** The tenant whose data this browser sees; every page is scoped by it. */
    public String tenantId() {
        if (session == null) {
            throw new IllegalStateException("No dashboard session on this request");
        }
        return session.tenantId();
    }

    public String getCsrfToken() {
        return session == null ? "" : session.csrfToken();
    }

    public String apiKeyId() {
        return session == null ? null : session.apiKeyId();
    }
}
