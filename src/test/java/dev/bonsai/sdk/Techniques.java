package dev.bonsai.sdk;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.List;

/**
 * The {@code Techniques} schema (a list of recipes, or the string "auto") in the generated Java
 * client, mapped here because the generator's own code for it does not compile.
 */
public final class Techniques {

    private final Object value;

    private Techniques(Object value) {
        this.value = value;
    }

    public static Techniques auto() {
        return new Techniques("auto");
    }

    public static Techniques of(List<String> recipes) {
        return new Techniques(List.copyOf(recipes));
    }

    @JsonCreator
    static Techniques fromJson(Object value) {
        return new Techniques(value);
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
