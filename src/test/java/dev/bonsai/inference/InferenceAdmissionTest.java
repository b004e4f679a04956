package dev.bonsai.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bonsai.support.Api;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * The server-wide bound on prediction requests holds where they arrive, before any thread is
 * taken: requests whose bodies are still on their way fill it (24 in tests), the next is refused at
 * once, and every slot comes back when the held requests are answered.
 */
@QuarkusTest
class InferenceAdmissionTest {

    private static final String BODY = "{\"inputs\": [\"The storm came in the morning paper\", \"A goal for the team\"]}";

    @Inject
    InferenceAdmission admission;

    @ConfigProperty(name = "bonsai.inference.max-in-flight")
    int limit;

    @TestHTTPResource("/")
    URL root;

    @Test
    void beyondTheServersBoundARequestIsRefusedAtOnceAndTheSlotsComeBack() throws Exception {
        String key = Api.newTenant();
        String modelId = Api.headModel(key, 6, Map.of());
        String head = "POST /v1/models/" + modelId + "/predictions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                + key + "\r\nContent-Type: application/json\r\nContent-Length: " + BODY.length()
                + "\r\nConnection: close\r\n\r\n";
        List<Socket> held = new ArrayList<>();
        try {
            // Each of these has arrived and holds a slot while the second half of its body is on its way.
            for (int i = 0; i < limit; i++) {
                Socket socket = new Socket(root.getHost(), root.getPort());
                socket.setSoTimeout(20_000);
                send(socket, head + BODY.substring(0, BODY.length() / 2));
                held.add(socket);
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (admission.inFlight() < limit && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(limit, admission.inFlight());

            try (Socket one = new Socket(root.getHost(), root.getPort())) {
                one.setSoTimeout(20_000);
                send(one, head + BODY);
                String answer = new String(one.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(answer.startsWith("HTTP/1.1 503"), answer);
                assertTrue(answer.toLowerCase().contains("retry-after: 1"), answer);
                assertTrue(answer.toLowerCase().contains("content-type: application/problem+json"), answer);
                assertTrue(answer.contains("prediction requests running or waiting"), answer);
            }

            // The held requests were admitted: once their bodies arrive they are served, or, all arriving at once,
            // some meet the shared encoder's own queue (12 in tests) further in.
            for (Socket socket : held) {
                send(socket, BODY.substring(BODY.length() / 2));
            }
            int served = 0;
            for (Socket socket : held) {
                String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (answer.startsWith("HTTP/1.1 200")) {
                    served++;
                } else {
                    assertTrue(answer.startsWith("HTTP/1.1 503") && answer.contains("encoder"), answer);
                }
            }
            assertTrue(served > 0);
        } finally {
            for (Socket socket : held) {
                socket.close();
            }
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (admission.inFlight() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(0, admission.inFlight(), "every slot is given back once its answer is sent");
    }

    private static void send(Socket socket, String text) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
