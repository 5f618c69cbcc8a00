package io.quarkiverse.llmd.it.hardening;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Short connection deadlines on the HTTP port (request head within 1 s, next request within 1 s) in front of a model
 * server that streams slowly: {@link SlowPod#CHUNKS} events with a pause of {@link SlowPod#PAUSE_MS} (longer than
 * both deadlines) before each.
 */
public class SlowStreamProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("quarkus.llmd.proxy.request-header-timeout", "1s",
                "quarkus.llmd.proxy.keep-alive-timeout", "1s");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(SlowPod.class));
    }

    /** A model server on a raw socket: answers every request with a slow server-sent-event stream. */
    public static final class SlowPod implements QuarkusTestResourceLifecycleManager {

        static final int CHUNKS = 3;
        static final long PAUSE_MS = 1_500;

        private ServerSocket server;

        @Override
        public Map<String, String> start() {
            try {
                server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            Thread acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        Thread t = new Thread(() -> serve(s), "slow-pod-conn");
                        t.setDaemon(true);
                        t.start();
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "slow-pod");
            acceptor.setDaemon(true);
            acceptor.start();
            String address = "127.0.0.1:" + server.getLocalPort();
            Map<String, String> props = new HashMap<>();
            props.put("quarkus.llmd.endpoints.\"default/vllm-a-rank-0\".address", address);
            props.put("quarkus.llmd.endpoints.\"default/vllm-b-rank-0\".address", address);
            return props;
        }

        private static void serve(Socket s) {
            try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                while (true) {
                    String head = readHead(in);
                    if (head == null) {
                        return;
                    }
                    int length = contentLength(head);
                    in.readNBytes(length);
                    out.write(("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
                            + "transfer-encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    for (int i = 0; i < CHUNKS; i++) {
                        Thread.sleep(PAUSE_MS);
                        chunk(out, "data: {\"id\":\"c\",\"object\":\"text_completion\",\"model\":\"m\","
                                + "\"choices\":[{\"index\":0,\"text\":\"token" + i + "\"}]}\n\n");
                    }
                    chunk(out, "data: [DONE]\n\n");
                    out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // the proxy closed the connection
            }
        }

        private static void chunk(OutputStream out, String data) throws IOException {
            byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
            out.write((Integer.toHexString(bytes.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(bytes);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        /** The request head up to the blank line, or null at the end of the stream. */
        static String readHead(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0) {
                head.write(b);
                byte[] h = head.toByteArray();
                int n = h.length;
                if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') {
                    return head.toString(StandardCharsets.US_ASCII);
                }
            }
            return null;
        }

        static int contentLength(String head) {
            for (String line : head.split("\r\n")) {
                if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    return Integer.parseInt(line.substring(line.indexOf(':') + 1).trim());
                }
            }
            return 0;
        }

        @Override
        public void stop() {
            try {
                server.close();
            } catch (IOException e) {
                // closing
            }
        }
    }
}
