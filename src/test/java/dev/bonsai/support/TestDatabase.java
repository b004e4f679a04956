package dev.bonsai.support;

import io.quarkus.test.common.QuarkusTestResource;

/** Registers the embedded database for every {@code @QuarkusTest} in the run. */
@QuarkusTestResource(value = EmbeddedPostgresResource.class, restrictToAnnotatedClass = false)
public final class TestDatabase {

    private TestDatabase() {
    }
}
