package dev.bonsai.job;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.bonsai.platform.Problem;
import dev.bonsai.platform.ProblemException;
import dev.bonsai.platform.ProblemType;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * {@code Idempotency-Key} handling shared by the job kinds, as the IETF idempotency-key draft has
 * it: a retry with the same key and the same request gets the job the first call made; the same
 * key with another request is refused (422 {@code idempotency_key_reused}), since answering it with
 * the first job would silently drop what the second asked for.
 */
public final class IdempotencyKeys {

    public static final int MAX_LENGTH = 200;

    private static final ObjectMapper CANONICAL = JsonMapper.builder()
            .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

    private IdempotencyKeys() {
    }

    /** Refuses a key longer than {@link #MAX_LENGTH}; a null key is no key. */
    public static void check(String idempotencyKey) {
        if (idempotencyKey != null && idempotencyKey.length() > MAX_LENGTH) {
            throw ProblemException.invalidField("/Idempotency-Key", "The Idempotency-Key header may be at most "
                    + MAX_LENGTH + " characters.");
        }
    }

    /** The SHA-256 of the request's canonical JSON (properties and map keys sorted). */
    public static String fingerprint(Object request) {
        try {
            byte[] json = CANONICAL.writeValueAsBytes(request);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(json));
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("could not fingerprint the request", e);
        }
    }

    /**
     * Stores a new job and finishes its creation; when storing breaks the unique key because a
     * concurrent first call with the same key won, answers what {@code replay} gives for the winner
     * (its job, or a refusal if its request differs) instead of failing.
     *
     * @param store persists the job, in its own transaction, and returns its view
     * @param stored what to do once this call has stored it (queue it, announce it)
     */
    public static <V, R> R storeOrReplay(String idempotencyKey, Supplier<V> store, Function<V, R> stored,
            Supplier<Optional<R>> replay) {
        V view;
        try {
            view = store.get();
        } catch (RuntimeException e) {
            Optional<R> replayed = idempotencyKey == null ? Optional.empty() : replay.get();
            if (replayed.isPresent()) {
                return replayed.get();
            }
            throw e;
        }
        return stored.apply(view);
    }

    /** Refuses a retry whose request differs from the one the key was first used with (null: a job made before fingerprints). */
    public static void requireSameRequest(String storedFingerprint, String fingerprint, String idempotencyKey) {
        if (storedFingerprint != null && !storedFingerprint.equals(fingerprint)) {
            throw new ProblemException(ProblemType.IDEMPOTENCY_KEY_REUSED, "The Idempotency-Key '" + idempotencyKey
                    + "' was already used with another request body. Send a new key for a new request, or the first"
                    + " body again to get the job it made.", List.of(new Problem.FieldError("/Idempotency-Key",
                            "already used with another request")), Map.of(), Map.of());
        }
    }
}
