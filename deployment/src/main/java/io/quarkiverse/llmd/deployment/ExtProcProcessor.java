package io.quarkiverse.llmd.deployment;

import java.util.List;

import io.quarkiverse.llmd.runtime.extproc.ExtProcServerConfigBuilder;
import io.quarkiverse.llmd.runtime.extproc.ExternalProcessorService;
import io.quarkiverse.llmd.runtime.health.EppHealthServer;
import io.quarkus.arc.deployment.AdditionalBeanBuildItem;
import io.quarkus.deployment.annotations.BuildStep;
import io.quarkus.deployment.builditem.AdditionalIndexedClassesBuildItem;
import io.quarkus.deployment.builditem.RunTimeConfigBuilderBuildItem;
import io.quarkus.deployment.builditem.RunTimeConfigurationDefaultBuildItem;

/**
 * The Envoy ext_proc endpoint picker: registers the gRPC service (indexed, so that the Quarkus gRPC extension finds
 * it) and the health server, defaults the gRPC server to llm-d's port 9002 on a separate server, and derives the
 * gRPC server's TLS and message-size settings from {@code quarkus.llmd.ext-proc.*} at run time.
 */
final class ExtProcProcessor {

    @BuildStep
    AdditionalBeanBuildItem beans() {
        return AdditionalBeanBuildItem.builder()
                .addBeanClasses(ExternalProcessorService.class, EppHealthServer.class,
                        io.quarkiverse.llmd.runtime.extproc.ExtProcServerCustomizer.class,
                        io.quarkiverse.llmd.runtime.extproc.ExtProcTlsCustomizer.class,
                        io.quarkiverse.llmd.runtime.extproc.ExtProcWarmUp.class)
                .setUnremovable()
                .build();
    }

    @BuildStep
    AdditionalIndexedClassesBuildItem indexedService() {
        return new AdditionalIndexedClassesBuildItem(ExternalProcessorService.class.getName());
    }

    @BuildStep
    List<RunTimeConfigurationDefaultBuildItem> grpcServerDefaults() {
        return List.of(
                new RunTimeConfigurationDefaultBuildItem("quarkus.grpc.server.port", "9002"),
                new RunTimeConfigurationDefaultBuildItem("quarkus.grpc.server.use-separate-server", "true"));
    }

    @BuildStep
    RunTimeConfigBuilderBuildItem grpcServerSecurity() {
        return new RunTimeConfigBuilderBuildItem(ExtProcServerConfigBuilder.class);
    }
}
