package dev.bonsai.support;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * A webhook receiver on loopback, as a tenant would run one: it keeps every request it gets (path,
 * headers, body, when) and answers each with the next status queued for its path, 204 when none is queued.
 * {@code /moved} answers 303 (See Other, which a client following redirects turns into a GET) to {@code /elsewhere}.
 */
public final class WebhookReceiver implements AutoCloseable {

    public record Request(String path, Map<String, List<String>> headers, String body, long receivedAtMillis) {
        public String header(String name) {
            return headers.entrySet().stream().filter(entry -> entry.getKey().equalsIgnoreCase(name))
                    .map(entry -> entry.getValue().get(0)).findFirst().orElse(null);
        }
    }

    private final HttpServer server;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Map<String, ConcurrentLinkedQueue<Integer>> statuses = new java.util.concurrent.ConcurrentHashMap<>();

    public WebhookReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(2));
        server.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            requests.add(new Request(exchange.getRequestURI().getPath(), Map.copyOf(exchange.getRequestHeaders()),
                    new String(body, StandardCharsets.UTF_8), System.currentTimeMillis()));
            if (exchange.getRequestURI().getPath().equals("/moved")) {
                exchange.getResponseHeaders().add("Location", "/elsewhere");
                exchange.sendResponseHeaders(303, -1);
            } else {
                ConcurrentLinkedQueue<Integer> queued = statuses.get(exchange.getRequestURI().getPath());
                Integer status = queued == null ? null : queued.poll();
                exchange.sendResponseHeaders(status == null ? 204 : status, -1);
            }
            exchange.close();
        });
        server.start();
    }

    public String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** The statuses the next requests to {@code path} are answered with, in order. */
    public void answer(String path, Integer... next) {
        statuses.computeIfAbsent(path, any -> new ConcurrentLinkedQueue<>()).addAll(List.of(next));
    }

    public List<Request> requests(String path) {
        return requests.stream().filter(request -> request.path().equals(path)).toList();
    }

    /** The requests to {@code path} once there are at least {@code count}, waiting up to {@code within}. */
    public List<Request> await(String path, int count, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (requests(path).size() < count && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        List<Request> got = new ArrayList<>(requests(path));
        if (got.size() < count) {
            throw new AssertionError("expected " + count + " requests to " + path + ", got " + got.size());
        }
        return got;
    }

    /** The Standard Webhooks signature of {@code request} under {@code secret}, computed here from the specification. */
    public static String expectedSignature(String secret, Request request) throws java.security.GeneralSecurityException {
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(java.util.Base64.getDecoder().decode(secret.substring("whsec_".length())),
                "HmacSHA256"));
        String signed = request.header("webhook-id") + "." + request.header("webhook-timestamp") + "." + request.body();
        return "v1," + java.util.Base64.getEncoder().encodeToString(mac.doFinal(signed.getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
