package dev.bonsai.support;

import java.net.URI;
import java.nio.file.Path;
import java.util.Properties;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;

/**
 * The main class of the process {@link S3Server} starts: S3Proxy over files under a folder,
 * checking AWS signatures against one key pair, until the process is stopped.
 * Arguments: port, folder, access key id, secret access key.
 */
public final class S3ProxyProcess {

    private S3ProxyProcess() {
    }

    public static void main(String[] args) throws Exception {
        Properties properties = new Properties();
        properties.setProperty("jclouds.filesystem.basedir", Path.of(args[1]).toAbsolutePath().toString());
        BlobStoreContext context = ContextBuilder.newBuilder("filesystem-nio2")
                .credentials("local", "local")
                .overrides(properties)
                .build(BlobStoreContext.class);
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(context.getBlobStore())
                .endpoint(URI.create("http://127.0.0.1:" + args[0]))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, args[2], args[3])
                .build();
        proxy.start();
        System.out.println("S3Proxy started on port " + args[0]);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                proxy.stop();
            } catch (Exception e) {
                // the process is ending either way
            }
            context.close();
        }));
        Thread.currentThread().join();
    }
}
