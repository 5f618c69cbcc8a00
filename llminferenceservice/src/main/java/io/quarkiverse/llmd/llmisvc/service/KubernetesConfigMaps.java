package io.quarkiverse.llmd.llmisvc.service;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/** Reads an EndpointPickerConfig out of a ConfigMap, on the watch thread (a plain GET). */
final class KubernetesConfigMaps implements ServiceReconciler.ConfigMaps {

    private static final Logger LOG = Logger.getLogger(KubernetesConfigMaps.class);

    private final KubernetesClient client;

    KubernetesConfigMaps(KubernetesClient client) {
        this.client = client;
    }

    @Override
    public String read(String namespace, ConfigMapRef ref) {
        try {
            ConfigMap cm = client.configMaps().inNamespace(namespace).withName(ref.name()).get();
            return cm == null || cm.getData() == null ? null : cm.getData().get(ref.key());
        } catch (KubernetesClientException e) {
            LOG.warnf("reading ConfigMap %s/%s failed: %s", namespace, ref.name(), e.getMessage());
            return null;
        }
    }
}
