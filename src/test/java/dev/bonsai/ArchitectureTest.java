package dev.bonsai;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Layering rules from DESIGN.md: the engine is a plain library; services speak no HTTP. */
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
    void engineDependsOnNoFeaturePackage() {
        noClasses().that().resideInAPackage("dev.bonsai.engine..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.bonsai.tenant..", "dev.bonsai.dataset..",
                        "dev.bonsai.platform..", "dev.bonsai.blob..", "dev.bonsai.basemodel..", "dev.bonsai.device..")
                .check(classes);
    }

    @Test
    void servicesSpeakNoHttp() {
        noClasses().that().haveSimpleNameEndingWith("Service")
                .should().dependOnClassesThat().resideInAnyPackage("jakarta.ws.rs..", "org.jboss.resteasy..", "io.vertx..")
                .check(classes);
    }

    @Test
    void theRuleWouldCatchAViolation() {
        // Guard against a rule that can never fail: the REST layer does import JAX-RS.
        org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class, () -> noClasses()
                .that().resideInAPackage("dev.bonsai.dataset..")
                .should().dependOnClassesThat().resideInAnyPackage("jakarta.ws.rs..").check(classes));
    }
}
