package dev.bonsai;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Layering rules (README, "Development"): the engine is a plain library that knows nothing of the
 * features built on it; services speak no HTTP; resources hold no transactions.
 */
class ArchitectureTest {

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.bonsai");
    }

    @Test
    void engineUsesNoFramework() {
        noClasses().that().resideInAPackage("dev.bonsai.engine..")
                .should().dependOnClassesThat().resideInAnyPackage("io.quarkus..", "jakarta.ws.rs..",
                        "jakarta.persistence..", "org.hibernate..", "io.vertx..", "jakarta.enterprise..", "jakarta.inject..",
                        "jakarta.transaction..", "org.jboss.resteasy..")
                .as("dev.bonsai.engine imports nothing from Quarkus, JAX-RS, JPA or CDI")
                .check(classes);
    }

    @Test
    void engineDependsOnNoOtherBonsaiPackage() {
        noClasses().that().resideInAPackage("dev.bonsai.engine..")
                .should().dependOnClassesThat(JavaClass.Predicates.resideInAPackage("dev.bonsai..")
                        .and(DescribedPredicate.not(JavaClass.Predicates.resideInAPackage("dev.bonsai.engine.."))))
                .as("dev.bonsai.engine imports no other package of Bonsai (features, platform, blob storage)")
                .check(classes);
    }

    @Test
    void resourcesHoldNoTransactions() {
        noClasses().that().haveSimpleNameEndingWith("Resource")
                .should().dependOnClassesThat().resideInAnyPackage("jakarta.transaction..", "io.quarkus.narayana..")
                .as("resources make service calls; services own the transactions")
                .check(classes);
    }

    @Test
    void servicesSpeakNoHttp() {
        noClasses().that().haveSimpleNameEndingWith("Service")
                .should().dependOnClassesThat().resideInAnyPackage("jakarta.ws.rs..", "org.jboss.resteasy..", "io.vertx..")
                .check(classes);
    }

    /** The packages that are features; the others (engine, platform, job, blob) are shared by all of them. */
    private static final List<String> FEATURES = List.of("basemodel", "batch", "compression", "dataset", "device", "finetune",
            "inference", "model", "tenant", "web");

    /**
     * Beans a feature offers to the others besides its services and catalogues: the model's graphs
     * and downloads, the tenant's caller and dashboard sessions, the dataset's rows for jobs.
     */
    private static final List<String> OFFERED = List.of("dev.bonsai.model.VariantGraphs", "dev.bonsai.model.Downloads",
            "dev.bonsai.tenant.Caller", "dev.bonsai.tenant.DashboardSessions", "dev.bonsai.dataset.DatasetTexts");

    /**
     * A feature uses another only through what that feature offers: its services and catalogues (or
     * a bean in {@link #OFFERED}) and the data they answer with (records, enums, interfaces) — never
     * its entities, resources, workers or other internals, beans or not.
     */
    static final ArchCondition<JavaClass> USE_OTHER_FEATURES_THROUGH_THEIR_SERVICES =
            new ArchCondition<>("use other features only through their beans and the records, enums and interfaces they answer with") {
                @Override
                public void check(JavaClass origin, ConditionEvents events) {
                    String from = feature(origin);
                    for (Dependency dependency : origin.getDirectDependenciesFromSelf()) {
                        JavaClass target = dependency.getTargetClass().getBaseComponentType();
                        String to = feature(target);
                        if (to == null || to.equals(from) || offered(target)) {
                            continue;
                        }
                        events.add(SimpleConditionEvent.violated(dependency, dependency.getDescription()));
                    }
                }
            };

    private static String feature(JavaClass type) {
        String name = type.getPackageName();
        if (!name.startsWith("dev.bonsai.")) {
            return null;
        }
        String first = name.substring("dev.bonsai.".length()).split("\\.")[0];
        return FEATURES.contains(first) ? first : null;
    }

    private static boolean offered(JavaClass type) {
        JavaClass outer = type;
        while (outer.getEnclosingClass().isPresent() && !outer.isRecord() && !outer.isEnum() && !outer.isInterface()) {
            outer = outer.getEnclosingClass().get();
        }
        return outer.isRecord() || outer.isEnum() || outer.isInterface() || OFFERED.contains(outer.getName())
                || outer.getSimpleName().endsWith("Service") || outer.getSimpleName().endsWith("Catalog");
    }

    @Test
    void featuresMeetThroughTheirServices() {
        classes().that().resideInAnyPackage(FEATURES.stream().map(f -> "dev.bonsai." + f + "..").toArray(String[]::new))
                .should(USE_OTHER_FEATURES_THROUGH_THEIR_SERVICES)
                .check(classes);
    }

    /** A job's work stores its events through its attempt, whose writes a takeover fences off. */
    @Test
    void workersWriteThroughTheirAttempt() {
        noClasses().that().implement(dev.bonsai.job.JobWorker.class)
                .should().dependOnClassesThat().belongToAnyOf(dev.bonsai.job.JobEvents.class)
                .as("job workers append events through their Attempt, never JobEvents")
                .check(classes);
    }

    @Test
    void theRulesWouldCatchAViolation() {
        // Guard against rules that can never fail: the REST layer does import JAX-RS, and the services do use
        // the engine and transactions.
        org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class, () -> noClasses()
                .that().resideInAPackage("dev.bonsai.dataset..")
                .should().dependOnClassesThat().resideInAnyPackage("jakarta.ws.rs..").check(classes));
        org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class, () -> noClasses()
                .that().resideInAPackage("dev.bonsai.compression..")
                .should().dependOnClassesThat(JavaClass.Predicates.resideInAPackage("dev.bonsai..")
                        .and(DescribedPredicate.not(JavaClass.Predicates.resideInAPackage("dev.bonsai.compression.."))))
                .check(classes));
        org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class, () -> noClasses()
                .that().haveSimpleNameEndingWith("Service")
                .should().dependOnClassesThat().resideInAnyPackage("jakarta.transaction..", "io.quarkus.narayana..")
                .check(classes));
        // The services do append events directly; a worker may not.
        org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class, () -> noClasses()
                .that().haveSimpleNameEndingWith("JobService")
                .should().dependOnClassesThat().belongToAnyOf(dev.bonsai.job.JobEvents.class).check(classes));
        // A feature reaching into another feature's entity is what the feature rule refuses.
        JavaClasses reaching = new ClassFileImporter().importPackages("dev.bonsai.finetune")
                .that(JavaClass.Predicates.simpleName("ReachesIntoAnotherFeature"));
        org.junit.jupiter.api.Assertions.assertEquals(1, reaching.size());
        AssertionError refused = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class, () -> classes()
                .that().resideInAPackage("dev.bonsai.finetune..").should(USE_OTHER_FEATURES_THROUGH_THEIR_SERVICES)
                .check(reaching));
        org.junit.jupiter.api.Assertions.assertTrue(refused.getMessage().contains("DatasetEntity"), refused.getMessage());
    }
}
