package dev.bonsai.platform;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.logging.Handler;
import org.jboss.logmanager.ExtHandler;
import org.jboss.logmanager.LogContext;
import org.jboss.logmanager.handlers.ConsoleHandler;

/**
 * Switches console logging to one JSON object per line when {@code bonsai.log.json} is true, for
 * log collectors. Lines logged before startup completes stay in the text format.
 */
@ApplicationScoped
public class LogSetup {

    @Inject
    BonsaiConfig config;

    void onStart(@Observes StartupEvent event) {
        if (config.log().json()) {
            for (Handler handler : LogContext.getLogContext().getLogger("").getHandlers()) {
                useJson(handler);
            }
        }
    }

    private static void useJson(Handler handler) {
        if (handler instanceof ConsoleHandler) {
            handler.setFormatter(new JsonLogFormatter());
        }
        if (handler instanceof ExtHandler ext) {
            for (Handler nested : ext.getHandlers()) {
                useJson(nested);
            }
        }
    }
}
