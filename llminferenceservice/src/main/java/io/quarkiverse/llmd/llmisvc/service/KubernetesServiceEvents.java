package io.quarkiverse.llmd.llmisvc.service;

import java.time.Instant;
import java.util.UUID;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * Writes Warning Events (core {@code v1}) about an LLMInferenceService, so that {@code kubectl describe llmisvc}
 * shows why the gateway refused its configuration. A failure to write one is logged, never fatal.
 */
final class KubernetesServiceEvents implements ServiceReconciler.Events {

    private static final Logger LOG = Logger.getLogger(KubernetesServiceEvents.class);

    /** The reporting component named in the Events. */
    static final String COMPONENT = "llmd-gateway";

    private final KubernetesClient client;

    KubernetesServiceEvents(KubernetesClient client) {
        this.client = client;
    }

    @Override
    public void warning(ServiceView service, String reason, String message) {
        String now = Instant.now().toString();
        Event event = new EventBuilder().withNewMetadata()
                .withName(service.name() + "." + UUID.randomUUID().toString().replace("-", "").substring(0, 16))
                .withNamespace(service.namespace()).endMetadata()
                .withInvolvedObject(new ObjectReferenceBuilder().withApiVersion(service.apiVersion())
                        .withKind(ServiceView.KIND).withName(service.name()).withNamespace(service.namespace())
                        .withUid(service.uid()).build())
                .withType("Warning").withReason(reason)
                // the API server refuses messages over 1 KiB in events.k8s.io; keep ours well under
                .withMessage(message.length() <= 1000 ? message : message.substring(0, 997) + "...")
                .withNewSource().withComponent(COMPONENT).endSource()
                .withReportingComponent(COMPONENT).withReportingInstance(instance())
                .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                .build();
        try {
            client.v1().events().inNamespace(service.namespace()).resource(event).create();
        } catch (KubernetesClientException e) {
            LOG.warnf("could not write the Event about %s (%s): %s", service.poolName(), reason, e.getMessage());
        }
    }

    private static String instance() {
        String pod = System.getenv("POD_NAME");
        return pod == null || pod.isBlank() ? COMPONENT : pod;
    }
}
