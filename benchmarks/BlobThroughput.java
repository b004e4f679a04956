// Blob store throughput: storing a finished local file (putFile), reading it whole and reading
// one 1 MiB range, on the filesystem store and on the S3 store against S3Proxy on loopback (a
// process of its own, keeping objects on the same disk). Both stores get the same files, in the
// same run; each figure is the median of the repeats. Run by benchmarks/blob-throughput.sh.
//
//   java -cp <test classpath> benchmarks/BlobThroughput.java SIZE_MIB REPEATS

import dev.bonsai.blob.BlobStore;
import dev.bonsai.blob.BlobStores;
import dev.bonsai.blob.FileSystemBlobStore;
import dev.bonsai.blob.S3BlobStore;
import dev.bonsai.support.S3Server;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

public class BlobThroughput {

    public static void main(String[] args) throws Exception {
        int sizeMib = Integer.parseInt(args[0]);
        int repeats = Integer.parseInt(args[1]);
        long partSize = 16L * 1024 * 1024;
        Path work = Files.createTempDirectory("blob-throughput");
        try (S3Server server = S3Server.start(work.resolve("s3-server"));
                BlobStore files = new FileSystemBlobStore(work.resolve("files"));
                BlobStore s3 = new S3BlobStore(BlobStores.client(server.endpoint(), "us-east-1", S3Server.ACCESS_KEY_ID,
                        S3Server.SECRET_ACCESS_KEY, true), S3Server.BUCKET, "", partSize, work.resolve("s3-local"))) {
            System.out.printf("%d MiB blobs, %d repeats, S3 part size %d MiB; median of the repeats%n", sizeMib, repeats,
                    partSize >> 20);
            System.out.println("(a filesystem put is a rename within one file system, so its time is not a transfer rate)");
            System.out.printf("%-12s %10s %10s %12s %16s %14s %14s%n", "store", "put s", "put MiB/s", "read MiB/s",
                    "1 MiB range ms", "put CPU s (us)", "put CPU s (S3)");
            for (BlobStore store : List.of(files, s3, files, s3)) {
                measure(store == files ? "filesystem" : "s3", store, sizeMib, repeats, server.process());
            }
        }
    }

    private static void measure(String name, BlobStore store, int sizeMib, int repeats, ProcessHandle server)
            throws Exception {
        List<Double> clientCpu = new ArrayList<>();
        List<Double> serverCpu = new ArrayList<>();
        List<Double> puts = new ArrayList<>();
        List<Double> reads = new ArrayList<>();
        List<Double> ranges = new ArrayList<>();
        byte[] chunk = new byte[1 << 20];
        for (int repeat = 0; repeat < repeats; repeat++) {
            Random random = new Random(repeat * 7919L + sizeMib);
            Path file = Files.createTempFile(store.scratchDirectory(), "bench", ".bin");
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            try (OutputStream out = Files.newOutputStream(file)) {
                for (int i = 0; i < sizeMib; i++) {
                    random.nextBytes(chunk);
                    digest.update(chunk);
                    out.write(chunk);
                }
            }
            String sha256 = HexFormat.of().formatHex(digest.digest());
            long clientBefore = cpuNanos(ProcessHandle.current());
            long serverBefore = cpuNanos(server);
            long started = System.nanoTime();
            store.putFile(sha256, file);
            puts.add(seconds(started));
            clientCpu.add((cpuNanos(ProcessHandle.current()) - clientBefore) / 1e9);
            serverCpu.add((cpuNanos(server) - serverBefore) / 1e9);
            started = System.nanoTime();
            try (InputStream in = store.open(sha256)) {
                in.transferTo(OutputStream.nullOutputStream());
            }
            reads.add(sizeMib / seconds(started));
            started = System.nanoTime();
            try (InputStream in = store.open(sha256, (long) sizeMib * (1 << 20) / 2, 1 << 20)) {
                in.transferTo(OutputStream.nullOutputStream());
            }
            ranges.add(seconds(started) * 1000);
            store.delete(sha256);
        }
        System.out.printf("%-12s %10.3f %10.0f %12.0f %16.1f %14.1f %14.1f%n", name, median(puts), sizeMib / median(puts),
                median(reads), median(ranges), median(clientCpu), median(serverCpu));
    }

    private static long cpuNanos(ProcessHandle process) {
        return process.info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(0L);
    }

    private static double seconds(long started) {
        return (System.nanoTime() - started) / 1e9;
    }

    private static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }
}
