package dev.bonsai;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
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
    }
}
