package io.quarkiverse.llmd.llmisvc.discovery;

import java.net.InetAddress;
import java.util.HashMap;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.quarkiverse.llmd.kserve.KServeCrds;

/**
 * The fabric8 mock API server in CRUD mode with our CRDs, on a free port, which can be restarted on the same port with
 * an empty state: what a client sees when its API server goes away and comes back (every watch drops).
 */
final class MockCluster implements AutoCloseable {

    private KubernetesMockServer server;
    private final int port;
    private final KubernetesClient client;

    MockCluster() {
        server = newServer();
        server.init();
        port = server.getPort();
        client = server.createClient();
        registerCrds();
    }

    /** A client of this server, which keeps working across restarts. */
    KubernetesClient client() {
        return client;
    }

    int port() {
        return port;
    }

    /** Stops the server (dropping every watch) and starts an empty one on the same port. */
    void restartEmpty() throws Exception {
        server.destroy();
        server = newServer();
        server.init(InetAddress.getByName("localhost"), port);
        registerCrds();
    }

    private void registerCrds() {
        for (CustomResourceDefinition crd : KServeCrds.all()) {
            client.apiextensions().v1().customResourceDefinitions().resource(crd)
                    .createOr(NonDeletingOperation::update);
        }
    }

    private static KubernetesMockServer newServer() {
        return new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
    }

    @Override
    public void close() {
        client.close();
        server.destroy();
    }
}
