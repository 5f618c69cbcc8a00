package io.quarkiverse.llmd.llmisvc.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;

class PodEndpointsTest {

    @Test
    void aReadyPodIsOneEndpointPerTargetPortNamedByRank() {
        Pod pod = Pods.ready("vllm-0", "10.0.0.7", Map.of("app", "vllm", "llm-d.ai/role", "decode"));
        List<Endpoint> endpoints = PodEndpoints.of(pod, List.of(8000, 8001));
        assertThat(endpoints).extracting(Endpoint::name, Endpoint::address).containsExactly(
                org.assertj.core.groups.Tuple.tuple("llm/vllm-0-rank-0", "10.0.0.7:8000"),
                org.assertj.core.groups.Tuple.tuple("llm/vllm-0-rank-1", "10.0.0.7:8001"));
        assertThat(endpoints).allSatisfy(e -> assertThat(e.role()).isEqualTo("decode"));
    }

    @Test
    void notReadyTerminatingOrAddresslessPodsAreNotEndpoints() {
        assertThat(PodEndpoints.of(Pods.notReady("a", "10.0.0.1"), List.of(8000))).isEmpty();
        assertThat(PodEndpoints.of(Pods.terminating(Pods.ready("b", "10.0.0.2", Map.of())), List.of(8000)))
                .isEmpty();
        assertThat(PodEndpoints.of(Pods.ready("c", null, Map.of()), List.of(8000))).isEmpty();
        Pod noConditions = Pods.ready("d", "10.0.0.4", Map.of());
        noConditions.getStatus().setConditions(null);
        assertThat(PodEndpoints.of(noConditions, List.of(8000))).isEmpty();
    }

    @Test
    void activePortsRestrictTheTargetPortsAndKeepRanks() {
        Pod pod = Pods.annotated(Pods.ready("dp", "10.0.0.9", Map.of()), PodEndpoints.ACTIVE_PORTS, "8001, x, 9999");
        assertThat(PodEndpoints.of(pod, List.of(8000, 8001, 8002))).extracting(Endpoint::name, Endpoint::address)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("llm/dp-rank-1", "10.0.0.9:8001"));
    }

    @Test
    void theOlderActivePortsKeyIsAFallbackAndTheNewKeyWins() {
        Pod legacy = Pods.annotated(Pods.ready("l", "10.0.0.9", Map.of()), PodEndpoints.LEGACY_ACTIVE_PORTS, "8002");
        assertThat(PodEndpoints.of(legacy, List.of(8000, 8002))).extracting(Endpoint::address)
                .containsExactly("10.0.0.9:8002");
        Pod both = Pods.annotated(legacy, PodEndpoints.ACTIVE_PORTS, "8000");
        assertThat(PodEndpoints.of(both, List.of(8000, 8002))).extracting(Endpoint::address)
                .containsExactly("10.0.0.9:8000");
        Pod nothingValid = Pods.annotated(Pods.ready("n", "10.0.0.9", Map.of()), PodEndpoints.ACTIVE_PORTS, "none");
        assertThat(PodEndpoints.of(nothingValid, List.of(8000))).isEmpty();
    }

    @Test
    void ipv6PodsGetBracketedAddresses() {
        assertThat(PodEndpoints.of(Pods.ready("v6", "fd00::7", Map.of()), List.of(8000)))
                .extracting(Endpoint::address).containsExactly("[fd00::7]:8000");
    }

    @Test
    void theOlderEngineTypeKeyIsCopiedToTheNewOne() {
        Pod pod = Pods.ready("e", "10.0.0.3", Map.of(PodEndpoints.LEGACY_ENGINE_TYPE, "sglang"));
        assertThat(PodEndpoints.of(pod, List.of(8000)).get(0).labels())
                .containsEntry(PodEndpoints.ENGINE_TYPE, "sglang");
    }

    @Test
    void manyPodsAreSortedByName() {
        List<Pod> pods = List.of(Pods.ready("b", "10.0.0.2", Map.of()), Pods.ready("a", "10.0.0.1", Map.of()),
                Pods.notReady("c", "10.0.0.3"));
        assertThat(PodEndpoints.of(pods, List.of(8000))).extracting(Endpoint::name)
                .containsExactly("llm/a-rank-0", "llm/b-rank-0");
    }

    @Test
    void aPodWithoutMetadataOrStatusIsNotServing() {
        assertThat(PodEndpoints.serving(new Pod())).isFalse();
        assertThat(PodEndpoints.serving(new PodBuilder().withNewMetadata().withName("x").endMetadata().build()))
                .isFalse();
    }
}
