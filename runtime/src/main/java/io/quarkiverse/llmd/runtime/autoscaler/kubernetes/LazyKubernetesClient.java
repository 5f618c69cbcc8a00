package io.quarkiverse.llmd.runtime.autoscaler.kubernetes;

import java.util.function.Supplier;

import jakarta.enterprise.inject.Instance;

import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * The application's {@link KubernetesClient}, looked up on first use rather than when an actuator is created.
 * Actuators are beans of every application that has the Kubernetes client on its class path, but most variants name
 * no actuator: building the client (reading kubeconfig or the service account) at injection would cost every such
 * application a client it never uses, and fail where no cluster is configured. The first actuation pays instead.
 */
public final class LazyKubernetesClient implements Supplier<KubernetesClient> {

    private final Instance<KubernetesClient> clients;
    private final String user;
    private volatile KubernetesClient client;

    /**
     * @param clients the client beans, as injected
     * @param user who needs the client, for the error when there is none (e.g. {@code the Knative actuator})
     */
    public LazyKubernetesClient(Instance<KubernetesClient> clients, String user) {
        this.clients = clients;
        this.user = user;
    }

    /** The client; fails with a sentence naming the user when the application has no client bean. */
    @Override
    public KubernetesClient get() {
        KubernetesClient c = client;
        if (c == null) {
            if (!clients.isResolvable()) {
                throw new IllegalStateException(user + " needs a KubernetesClient bean (quarkus-kubernetes-client);"
                        + " none is available");
            }
            // a racing first call resolves the same singleton bean twice: harmless
            c = clients.get();
            client = c;
        }
        return c;
    }
}
