package io.quarkiverse.llmd.gateway.epp;

import java.io.IOException;
import java.net.ServerSocket;

/** Ports for a gateway process the test starts, which needs them on its command line. */
final class FreePorts {

    private FreePorts() {
    }

    /**
     * {@code n} ports free now and distinct: every socket stays open until all are taken, since a port closed at once
     * can be handed out again (the ext_proc server and its health server once got the same port and the gateway
     * failed to start).
     */
    static int[] distinct(int n) throws IOException {
        ServerSocket[] sockets = new ServerSocket[n];
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                sockets[i] = new ServerSocket(0);
                ports[i] = sockets[i].getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket s : sockets) {
                if (s != null) {
                    s.close();
                }
            }
        }
    }
}
