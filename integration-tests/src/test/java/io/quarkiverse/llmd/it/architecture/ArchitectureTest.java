package io.quarkiverse.llmd.it.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import org.junit.jupiter.api.Test;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.dependencies.SlicesRuleDefinition;

/**
 * The rooms of docs/modules/ROOT/pages/architecture.adoc, checked on the compiled classes of every module on this
 * test's classpath: a module that reaches outside its room, or a plugin that imports another plugin instead of a
 * framework contract, fails the build.
 */
class ArchitectureTest {

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.quarkiverse.llmd");

    private static void check(ArchRule rule) {
        rule.check(CLASSES);
    }

    @Test
    void theEngineIsPlainJava() {
        check(noClasses().that().resideInAPackage("io.quarkiverse.llmd.engine..").should().dependOnClassesThat()
                .resideInAnyPackage("io.quarkus..", "io.vertx..", "io.grpc..", "io.netty..", "io.fabric8..",
                        "io.lettuce..", "redis..", "io.micrometer..", "org.jboss..", "jakarta..", "org.zeromq..")
                .because("the engine runs the same in the gateway, in unit tests and in virtual time"));
    }

    @Test
    void theEngineOwnsNoThreads() {
        check(noClasses().that().resideInAPackage("io.quarkiverse.llmd.engine..").should().callConstructorWhere(
                com.tngtech.archunit.core.domain.JavaConstructorCall.Predicates.target(
                        com.tngtech.archunit.core.domain.properties.HasOwner.Predicates.With.owner(
                                JavaClass.Predicates.assignableTo(Thread.class))))
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.util.concurrent.Executors")
                .because("time and work come in from the caller: a clock, a ticker, the caller's thread"));
    }

    @Test
    void theEngineDependsOnNoOuterRoom() {
        check(noClasses().that().resideInAPackage("io.quarkiverse.llmd.engine..").should().dependOnClassesThat()
                .resideInAnyPackage("io.quarkiverse.llmd.runtime..", "io.quarkiverse.llmd.simulator..",
                        "io.quarkiverse.llmd.benchmarks..", "io.quarkiverse.llmd.deployment.."));
    }

    @Test
    void theSimulatorSharesNoCodeWithTheEngine() {
        check(noClasses().that().resideInAPackage("io.quarkiverse.llmd.simulator..").should().dependOnClassesThat()
                .resideInAPackage("io.quarkiverse.llmd.engine..")
                .because("a codec bug shared by the simulator and our decoder would hide itself"));
    }

    @Test
    void theRuntimeNamesNoPluginClass() {
        check(noClasses().that().resideInAPackage("io.quarkiverse.llmd.runtime..").should().dependOnClassesThat(
                JavaClass.Predicates.resideInAPackage("io.quarkiverse.llmd.engine.plugins..")
                        .and(DescribedPredicate.not(JavaClass.Predicates.simpleName("BuiltInPlugins"))))
                .because("plugins are reached through framework contracts (EndpointLifecycle, DataKey, ...)"));
    }

    @Test
    void pluginsImportFrameworkContractsNotOtherPlugins() {
        check(SlicesRuleDefinition.slices()
                .matching("io.quarkiverse.llmd.engine.plugins.(*).(*).(*)..")
                .should().notDependOnEachOther()
                // pd-profile-handler is the deprecated name of disagg-profile-handler: the alias builds the real one
                .ignoreDependency(JavaClass.Predicates.simpleName("PdProfileHandler"),
                        JavaClass.Predicates.simpleName("DisaggProfileHandler"))
                // precise-prefix-cache-scorer is llm-d's deprecated form of token-producer + precise producer +
                // prefix-cache-scorer: it is built from those plugins on purpose
                .ignoreDependency(JavaClass.Predicates.simpleName("PrecisePrefixCacheScorer"),
                        JavaClass.Predicates.resideInAPackage("io.quarkiverse.llmd.engine.plugins.."))
                .because("a plugin talks to another through DataKeys and framework interfaces"));
    }
}
