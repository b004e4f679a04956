package dev.bonsai.support;

import dev.bonsai.blob.BlobStores;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A real S3-compatible server on a free loopback port, as a process of its own: S3Proxy over
 * files in a folder, checking every request's signature against one key pair, with one bucket
 * made. It runs apart from the test JVM because quarkus-junit's Maven resolver brings Guice 5,
 * which S3Proxy's jclouds (Guice 7) cannot run on.
 */
public final class S3Server implements AutoCloseable {

    public static final String ACCESS_KEY_ID = "bonsai-test-access-key";
    public static final String SECRET_ACCESS_KEY = "bonsai-test-secret-key-0123456789";
    public static final String BUCKET = "bonsai-test";

    private final Process process;
    private final URI endpoint;
    private final S3Client client;

    private S3Server(Process process, URI endpoint) {
        this.process = process;
        this.endpoint = endpoint;
        this.client = BlobStores.client(endpoint, "us-east-1", ACCESS_KEY_ID, SECRET_ACCESS_KEY, true);
    }

    /** Starts a server keeping its objects under {@code dir}, and makes the bucket. */
    public static S3Server start(Path dir) {
        try {
            Files.createDirectories(dir);
            int port = freePort();
            URI endpoint = URI.create("http://127.0.0.1:" + port);
            Path objects = Files.createDirectories(dir.resolve("objects"));
            Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx512m", "-cp", classPath(), S3ProxyProcess.class.getName(),
                    String.valueOf(port), objects.toString(), ACCESS_KEY_ID, SECRET_ACCESS_KEY)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("s3proxy.log").toFile())
                    .start();
            S3Server server = new S3Server(process, endpoint);
            try {
                server.awaitListening(port, dir.resolve("s3proxy.log"));
                server.client.createBucket(request -> request.bucket(BUCKET));
            } catch (RuntimeException | IOException e) {
                server.close();
                throw e;
            }
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start S3Proxy", e);
        }
    }

    /**
     * The test class path (Surefire runs tests from a manifest-only jar and says the real one in
     * {@code surefire.test.class.path}) without the Guice 5 jar that quarkus-junit's resolver brings along.
     */
    private static String classPath() {
        String testClassPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return Arrays.stream(testClassPath.split(File.pathSeparator))
                .filter(entry -> !Path.of(entry).getFileName().toString().matches("guice-[0-9.]+-classes\\.jar"))
                .collect(Collectors.joining(File.pathSeparator));
    }

    private void awaitListening(int port, Path log) throws IOException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("S3Proxy exited with " + process.exitValue() + ":\n" + Files.readString(log));
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        }
        throw new IllegalStateException("S3Proxy did not listen on " + port + " within 60 s:\n" + Files.readString(log));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** The server's process, for benchmarks that account for its CPU time. */
    public ProcessHandle process() {
        return process.toHandle();
    }

    public URI endpoint() {
        return endpoint;
    }

    /** Every object key in the bucket, listed by a client of its own, not the store under test. */
    public List<String> keys() {
        List<String> keys = new ArrayList<>();
        client.listObjectsV2Paginator(request -> request.bucket(BUCKET)).contents().stream()
                .map(S3Object::key).forEach(keys::add);
        return keys;
    }

    /** Multipart uploads begun and neither completed nor aborted. */
    public int unfinishedUploads() {
        return client.listMultipartUploads(request -> request.bucket(BUCKET)).uploads().size();
    }

    @Override
    public void close() {
        client.close();
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
