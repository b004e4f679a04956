package dev.bonsai.basemodel;

import dev.bonsai.engine.BaseModel;
import dev.bonsai.engine.text.TextTokenizer;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The packaged base models. At startup every model's ONNX file and tokenizer are read from the
 * classpath and hashed, so a missing or truncated weights jar stops the service instead of failing
 * a job later. Owns one tokenizer per model (opened on first use, closed at shutdown).
 */
@Startup
@ApplicationScoped
public class BaseModelCatalog {

    /** A base model as the API shows it. */
    public record BaseModelView(String id, String name, String language, int dimensions, int layers, long parameters,
            int maxSequenceLength, long bytes, String sha256, String licence, String source, String pooling) {
    }

    private final Map<BaseModel, BaseModelView> views = new EnumMap<>(BaseModel.class);
    private final Map<BaseModel, TextTokenizer> tokenizers = new ConcurrentHashMap<>();

    @PostConstruct
    void verify() {
        for (BaseModel model : BaseModel.values()) {
            long[] size = new long[1];
            String sha256 = hash(model.onnxResource(), size);
            hash(model.tokenizerResource(), new long[1]);
            views.put(model, new BaseModelView(model.id(), model.displayName(), model.language(), model.dimensions(),
                    model.layers(), model.parameters(), model.maxSequenceLength(), size[0], sha256, model.licence(),
                    model.source(), model.pooling().name().toLowerCase()));
        }
    }

    public List<BaseModelView> list() {
        return Arrays.stream(BaseModel.values()).map(views::get).toList();
    }

    /** The shared tokenizer of {@code model}; do not close it, the catalogue does. */
    public TextTokenizer tokenizer(BaseModel model) {
        return tokenizers.computeIfAbsent(model, TextTokenizer::open);
    }

    @PreDestroy
    void closeTokenizers() {
        tokenizers.values().forEach(TextTokenizer::close);
        tokenizers.clear();
    }

    private static String hash(String resource, long[] size) {
        try (InputStream stream = BaseModelCatalog.class.getClassLoader().getResourceAsStream(resource)) {
            if (stream == null) {
                throw new IllegalStateException("Base model resource " + resource
                        + " is not on the classpath: the model jars are missing from this build.");
            }
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            try (DigestInputStream in = new DigestInputStream(stream, digest)) {
                byte[] buffer = new byte[1 << 16];
                int read;
                while ((read = in.read(buffer)) > 0) {
                    size[0] += read;
                }
            }
            if (size[0] == 0) {
                throw new IllegalStateException("Base model resource " + resource + " is empty.");
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + resource, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
