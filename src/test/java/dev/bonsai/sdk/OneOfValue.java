package dev.bonsai.sdk;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.List;

/**
 * The {@code EmbeddingInput} and {@code EmbeddingVector} schemas (a text or a list of texts; a list
 * of numbers or a base64 string) in the generated Java client, mapped here for the same reason as
 * {@link Techniques}: the generator's own code for a oneOf of an array and a string does not compile.
 */
public final class OneOfValue {

    private final Object value;

    private OneOfValue(Object value) {
        this.value = value;
    }

    public static OneOfValue of(String text) {
        return new OneOfValue(text);
    }

    public static OneOfValue of(List<?> values) {
        return new OneOfValue(List.copyOf(values));
    }

    @JsonCreator
    static OneOfValue fromJson(Object value) {
        return new OneOfValue(value);
    }

    @JsonValue
    public Object value() {
        return value;
    }

    /** As the generated models put a member into a query string (they never need to for this API). */
    public String toUrlQueryString(String prefix) {
        return prefix + "=" + ApiClient.urlEncode(String.valueOf(value));
    }
}
