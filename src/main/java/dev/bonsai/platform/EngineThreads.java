package dev.bonsai.platform;

import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;

/**
 * Gives DJL's PyTorch, which training loads on first use, the engine's intra-op threads and one
 * inter-op thread, before any job can start; a value set on the command line wins. ONNX Runtime
 * sessions are given theirs where they are opened.
 */
@ApplicationScoped
class EngineThreads {

    static final String INTRA_OP = "ai.djl.pytorch.num_threads";
    static final String INTER_OP = "ai.djl.pytorch.num_interop_threads";

    void configure(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event, BonsaiConfig config) {
        if (System.getProperty(INTRA_OP) == null) {
            System.setProperty(INTRA_OP, Integer.toString(config.engine().intraOpThreads()));
            System.setProperty(INTER_OP, "1");
        }
    }
}
