package io.quarkiverse.llmd.it.extproc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import grpc.health.v1.HealthGrpc;
import grpc.health.v1.HealthOuterClass.HealthCheckRequest;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse.ServingStatus;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.quarkiverse.llmd.runtime.health.EppHealthServer;
import io.quarkiverse.llmd.runtime.health.EppHealthService;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** gRPC Health v1 on its own port, as llm-d's EPP answers it. */
@QuarkusTest
@TestProfile(ExtProcTestProfile.class)
class EppHealthTest {

    @Inject
    EppHealthServer healthServer;

    @Test
    void healthServiceAnswersLlmdServiceNames() throws Exception {
        assertThat(healthServer.port()).isPositive();
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", healthServer.port()).usePlaintext()
                .build();
        try {
            HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(20, TimeUnit.SECONDS);
            for (String service : new String[] { "liveness", "readiness", "",
                    "envoy.service.ext_proc.v3.ExternalProcessor" }) {
                assertThat(health.check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus())
                        .as(service).isEqualTo(ServingStatus.SERVING);
            }
            assertThatThrownBy(() -> health.check(HealthCheckRequest.newBuilder().setService("nope").build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
            var watch = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
                    .watch(HealthCheckRequest.newBuilder().setService("nope").build());
            assertThat(watch.next().getStatusValue()).isEqualTo(EppHealthService.SERVICE_UNKNOWN_VALUE);
        } finally {
            channel.shutdownNow();
            channel.awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void readinessFollowsThePool() {
        EppHealthService empty = new EppHealthService(() -> false);
        assertThat(empty.status("liveness")).isEqualTo(ServingStatus.SERVING);
        assertThat(empty.status("readiness")).isEqualTo(ServingStatus.NOT_SERVING);
        assertThat(empty.status("")).isEqualTo(ServingStatus.NOT_SERVING);
        assertThat(empty.status(EppHealthService.EXT_PROC)).isEqualTo(ServingStatus.NOT_SERVING);
        assertThat(empty.status("other")).isNull();
    }

    @Test
    void extensionDefaultsTheGrpcServerToLlmdPorts() {
        var config = ConfigProvider.getConfig();
        // the recorder publishes the real (test) port as a system property; the extension's default sits below it
        assertThat(config.getConfigSources()).anySatisfy(
                source -> assertThat(source.getValue("quarkus.grpc.server.port")).isEqualTo("9002"));
        assertThat(config.getValue("quarkus.grpc.server.use-separate-server", Boolean.class)).isTrue();
        assertThat(config.getValue("quarkus.grpc.server.max-inbound-message-size", Integer.class))
                .as("a BUFFERED body of max-body-size fits").isGreaterThanOrEqualTo(4 << 20);
    }
}
