package io.quarkiverse.llmd.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.Serialization;

/** The manifests Quarkus's Kubernetes extension generates at package from the gateway's application.properties. */
class KubernetesManifestsIT {

    private static final Path MANIFEST = Path.of("target", "kubernetes", "kubernetes.yml");
    private static final List<HasMetadata> RESOURCES = new ArrayList<>();

    @BeforeAll
    static void load() throws Exception {
        assertThat(MANIFEST).exists();
        for (String document : Files.readString(MANIFEST).split("(?m)^---$")) {
            if (!document.isBlank()) {
                RESOURCES.add(Serialization.unmarshal(document));
            }
        }
    }

    @Test
    void serviceExposesLlmdPortsAndOurs() {
        Service service = one(Service.class);
        assertThat(service.getMetadata().getName()).isEqualTo("llmd-gateway");
        assertThat(service.getSpec().getPorts().stream()
                .collect(Collectors.toMap(ServicePort::getName, ServicePort::getPort)))
                .isEqualTo(Map.of("grpc", 9002, "grpc-health", 9003, "metrics", 9090, "http", 8080));
        assertThat(service.getSpec().getPorts()).allSatisfy(
                p -> assertThat(p.getTargetPort().getIntVal()).isEqualTo(p.getPort()));
    }

    @Test
    void deploymentRunsAsTheServiceAccountProbedOverGrpcHealth() {
        Deployment deployment = one(Deployment.class);
        var pod = deployment.getSpec().getTemplate().getSpec();
        assertThat(pod.getServiceAccountName()).isEqualTo(one(ServiceAccount.class).getMetadata().getName());
        Container container = pod.getContainers().get(0);
        assertThat(container.getPorts().stream()
                .collect(Collectors.toMap(ContainerPort::getName, ContainerPort::getContainerPort)))
                .isEqualTo(Map.of("grpc", 9002, "grpc-health", 9003, "metrics", 9090, "http", 8080));
        assertThat(container.getPorts()).allSatisfy(p -> assertThat(p.getHostPort()).as("no node port").isNull());
        assertThat(container.getReadinessProbe().getGrpc().getPort()).isEqualTo(9003);
        assertThat(container.getReadinessProbe().getGrpc().getService()).isEqualTo("readiness");
        assertThat(container.getLivenessProbe().getGrpc().getService()).isEqualTo("liveness");
        Map<String, EnvVar> env = container.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
        assertThat(env.get("NAMESPACE").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.namespace");
        assertThat(env.get("POD_NAME").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");
        assertThat(env.get("QUARKUS_LLMD_EMBEDDED_FLEET_ENABLED").getValue()).isEqualTo("false");
    }

    /** Read what the picker watches, write only Events: nothing more. */
    @Test
    void roleIsLeastPrivilege() {
        Role role = one(Role.class);
        Map<String, Set<String>> verbsByResource = new TreeMap<>();
        for (PolicyRule rule : role.getRules()) {
            assertThat(rule.getResourceNames()).isNullOrEmpty();
            for (String group : rule.getApiGroups()) {
                for (String resource : rule.getResources()) {
                    verbsByResource.computeIfAbsent(group + "/" + resource, k -> new TreeSet<>())
                            .addAll(rule.getVerbs());
                }
            }
        }
        Set<String> read = Set.of("get", "list", "watch");
        Set<String> emit = Set.of("create");
        Map<String, Set<String>> expected = new HashMap<>();
        for (String readable : List.of("/pods", "/configmaps", "inference.networking.k8s.io/inferencepools",
                "inference.networking.x-k8s.io/inferencepools",
                "llm-d.ai/inferenceobjectives", "llm-d.ai/inferencemodelrewrites",
                "inference.networking.x-k8s.io/inferenceobjectives", "inference.networking.x-k8s.io/inferencemodelrewrites",
                "serving.kserve.io/llminferenceservices", "serving.kserve.io/llminferenceserviceconfigs")) {
            expected.put(readable, read);
        }
        expected.put("/events", emit);
        expected.put("events.k8s.io/events", emit);
        assertThat(verbsByResource).isEqualTo(expected);

        RoleBinding binding = one(RoleBinding.class);
        assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
        assertThat(binding.getRoleRef().getName()).isEqualTo(role.getMetadata().getName());
        assertThat(binding.getSubjects()).singleElement().satisfies(s -> {
            assertThat(s.getKind()).isEqualTo("ServiceAccount");
            assertThat(s.getName()).isEqualTo(one(ServiceAccount.class).getMetadata().getName());
        });
        assertThat(RESOURCES).noneMatch(r -> r.getKind().startsWith("Cluster"));
    }

    private static <T extends HasMetadata> T one(Class<T> type) {
        List<T> found = RESOURCES.stream().filter(type::isInstance).map(type::cast).toList();
        assertThat(found).as(type.getSimpleName()).hasSize(1);
        return found.get(0);
    }
}
