package dev.bonsai.tenant;

import dev.bonsai.platform.BonsaiConfig;
import dev.bonsai.platform.Ids;
import io.quarkus.hibernate.orm.panache.Panache;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.io.PrintStream;
import java.util.Optional;

/**
 * Makes sure there is exactly one way in for the operator. A key from {@code BONSAI_ADMIN_KEY}
 * replaces any stored one; without it, a key is generated on the first start and printed once to
 * the console (never to the log), and only its hash is kept.
 */
@ApplicationScoped
public class AdminKeyBootstrap {

    static final int MIN_ADMIN_KEY_LENGTH = 16;
    /** The advisory lock replicas starting at once take in turn, so that one stores the key and the rest find it. */
    private static final long BOOTSTRAP_LOCK = 0x626f6e7361690001L;

    @Inject
    BonsaiConfig config;

    @Transactional
    void onStart(@Observes StartupEvent event) {
        Panache.getEntityManager()
                .createNativeQuery("select cast(pg_advisory_xact_lock(?1) as text)").setParameter(1, BOOTSTRAP_LOCK)
                .getSingleResult();
        Optional<String> configured = config.adminKey().filter(key -> !key.isBlank());
        if (configured.isPresent()) {
            String key = configured.get().strip();
            if (key.length() < MIN_ADMIN_KEY_LENGTH) {
                throw new IllegalStateException("BONSAI_ADMIN_KEY must be at least " + MIN_ADMIN_KEY_LENGTH + " characters");
            }
            String hash = Secrets.sha256(key);
            AdminKeyEntity.delete("keyHash <> ?1", hash);
            if (AdminKeyEntity.count("keyHash", hash) == 0) {
                store(key);
            }
            return;
        }
        if (AdminKeyEntity.count() == 0) {
            String key = Secrets.newAdminKey();
            store(key);
            PrintStream console = System.out;
            console.println();
            console.println("  Bonsai admin key (shown once, stored hashed; set BONSAI_ADMIN_KEY to choose your own):");
            console.println("  " + key);
            console.println();
        }
    }

    private static void store(String key) {
        AdminKeyEntity admin = new AdminKeyEntity();
        admin.id = Ids.next("adm");
        admin.prefix = Secrets.visiblePrefix(key);
        admin.keyHash = Secrets.sha256(key);
        admin.createdAt = ApiKeyService.now();
        admin.persist();
    }
}
