package dev.bonsai.engine.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A trainer's state between epochs in a form that a later release can still read: a magic line and
 * a format version, a JSON header with the figures (counts, the shuffle's state, the epochs so far)
 * and the names, types and lengths of the arrays, then the arrays' values, big-endian. Nothing in
 * it depends on the classes that wrote it. A checkpoint that cannot be read is refused with a
 * sentence that says why ({@link Unreadable}).
 */
public final class CheckpointFormat {

    private static final byte[] MAGIC = "bonsai-checkpoint\n".getBytes(StandardCharsets.US_ASCII);
    /** The version this release writes and reads; another is refused. */
    static final int VERSION = 1;
    private static final int CHUNK = 1 << 16;
    private static final ObjectMapper JSON = new ObjectMapper();

    private CheckpointFormat() {
    }

    /** A checkpoint that cannot be read; the message says why, for the job's events. */
    public static final class Unreadable extends Exception {
        Unreadable(String message) {
            super(message);
        }
    }

    /** What a checkpoint holds: its figures as JSON, and named arrays of floats and of doubles. */
    public record Contents(JsonNode figures, Map<String, float[]> floats, Map<String, double[]> doubles) {

        public float[] floats(String name) throws Unreadable {
            return present(name, floats.get(name));
        }

        public double[] doubles(String name) throws Unreadable {
            return present(name, doubles.get(name));
        }

        private static <T> T present(String name, T values) throws Unreadable {
            if (values == null) {
                throw new Unreadable("it has no '" + name + "'");
            }
            return values;
        }
    }

    /** A part of the figures as the type it was written from (records, arrays). */
    public static <T> T convert(JsonNode figures, Class<T> type) throws Unreadable {
        try {
            return JSON.treeToValue(figures, type);
        } catch (com.fasterxml.jackson.core.JsonProcessingException | IllegalArgumentException e) {
            throw new Unreadable("its figures do not read as " + type.getSimpleName());
        }
    }

    /** Writes a {@code trainer}'s state; {@code figures} is anything Jackson writes. */
    public static void write(OutputStream stream, String trainer, Object figures, Map<String, float[]> floats,
            Map<String, double[]> doubles) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("version", VERSION);
        header.put("trainer", trainer);
        header.put("figures", figures);
        Map<String, Integer> floatLengths = new LinkedHashMap<>();
        floats.forEach((name, values) -> floatLengths.put(name, values.length));
        Map<String, Integer> doubleLengths = new LinkedHashMap<>();
        doubles.forEach((name, values) -> doubleLengths.put(name, values.length));
        header.put("floats", floatLengths);
        header.put("doubles", doubleLengths);
        DataOutputStream out = new DataOutputStream(stream);
        out.write(MAGIC);
        byte[] json = JSON.writeValueAsBytes(header);
        out.writeInt(json.length);
        out.write(json);
        ByteBuffer buffer = ByteBuffer.allocate(CHUNK * Double.BYTES);
        for (float[] values : floats.values()) {
            for (int from = 0; from < values.length; from += CHUNK) {
                int length = Math.min(CHUNK, values.length - from);
                buffer.clear();
                buffer.asFloatBuffer().put(values, from, length);
                out.write(buffer.array(), 0, length * Float.BYTES);
            }
        }
        for (double[] values : doubles.values()) {
            for (int from = 0; from < values.length; from += CHUNK) {
                int length = Math.min(CHUNK, values.length - from);
                buffer.clear();
                buffer.asDoubleBuffer().put(values, from, length);
                out.write(buffer.array(), 0, length * Double.BYTES);
            }
        }
        out.flush();
    }

    /** Reads what {@link #write} wrote for the same {@code trainer}, to its last byte. */
    public static Contents read(InputStream stream, String trainer) throws Unreadable, IOException {
        DataInputStream in = new DataInputStream(stream);
        byte[] magic = in.readNBytes(MAGIC.length);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new Unreadable(magic.length >= 2 && (magic[0] & 0xff) == 0xac && (magic[1] & 0xff) == 0xed
                    ? "it was written by an earlier version of Bonsai, in a format this version no longer reads"
                    : "it is not a Bonsai checkpoint");
        }
        try {
            int length = in.readInt();
            if (length < 2 || length > 64 << 20) {
                throw new Unreadable("its header is damaged");
            }
            JsonNode header = JSON.readTree(in.readNBytes(length));
            int version = header.path("version").asInt(-1);
            if (version != VERSION) {
                throw new Unreadable("it is in checkpoint format " + version + ", and this version of Bonsai reads format "
                        + VERSION);
            }
            if (!trainer.equals(header.path("trainer").asText())) {
                throw new Unreadable("it was written by the " + header.path("trainer").asText() + " trainer, not the "
                        + trainer + " one");
            }
            byte[] chunk = new byte[CHUNK * Double.BYTES];
            Map<String, float[]> floats = new LinkedHashMap<>();
            var floatFields = header.path("floats").fields();
            while (floatFields.hasNext()) {
                var field = floatFields.next();
                float[] values = new float[field.getValue().asInt()];
                for (int from = 0; from < values.length; from += CHUNK) {
                    int count = Math.min(CHUNK, values.length - from);
                    in.readFully(chunk, 0, count * Float.BYTES);
                    ByteBuffer.wrap(chunk, 0, count * Float.BYTES).asFloatBuffer().get(values, from, count);
                }
                floats.put(field.getKey(), values);
            }
            Map<String, double[]> doubles = new LinkedHashMap<>();
            var doubleFields = header.path("doubles").fields();
            while (doubleFields.hasNext()) {
                var field = doubleFields.next();
                double[] values = new double[field.getValue().asInt()];
                for (int from = 0; from < values.length; from += CHUNK) {
                    int count = Math.min(CHUNK, values.length - from);
                    in.readFully(chunk, 0, count * Double.BYTES);
                    ByteBuffer.wrap(chunk, 0, count * Double.BYTES).asDoubleBuffer().get(values, from, count);
                }
                doubles.put(field.getKey(), values);
            }
            if (in.read() != -1) {
                throw new Unreadable("it holds more than its header says");
            }
            return new Contents(header.path("figures"), floats, doubles);
        } catch (EOFException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new Unreadable("it is cut short or damaged");
        }
    }
}
