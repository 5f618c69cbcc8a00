package io.quarkiverse.llmd.runtime.kvcache;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real {@code redis-server} child process on a free loopback port, for a test class
 * ({@code @RegisterExtension static RedisServer redis = new RedisServer();}). No persistence, so a restart starts
 * empty, as a crashed cache would. Tests are skipped, with the reason, when {@code redis-server} is not installed;
 * {@code .ci/run} installs it.
 */
final class RedisServer implements BeforeAllCallback, AfterAllCallback {

    private Process process;
    private int port;
    /** Whether the server ran before: a restart must come back on the same port. */
    private boolean started;
    private Path dir;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        Assumptions.assumeTrue(onPath("redis-server"),
                "redis-server is not on the PATH (apt-get install -y redis-server; .ci/run installs it)");
        dir = Files.createTempDirectory("llmd-redis");
        port = freePort();
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        stop();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }

    String url() {
        return "redis://127.0.0.1:" + port;
    }

    int port() {
        return port;
    }

    /** Starts the server on its port (again, after {@link #stop}) and waits until it answers PING. */
    void start() throws Exception {
        boolean restart = started;
        started = true;
        for (int attempt = 0; attempt < 5; attempt++) {
            process = new ProcessBuilder(List.of("redis-server", "--bind", "127.0.0.1", "--port",
                    Integer.toString(port), "--save", "", "--appendonly", "no", "--dir", dir.toString()))
                    .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline && process.isAlive()) {
                if ("+PONG".equals(command("PING"))) {
                    return;
                }
                Thread.sleep(20);
            }
            process.destroyForcibly().waitFor();
            if (!restart) {
                // The port was taken between probing and binding: try another.
                port = freePort();
            }
            // A restart keeps its port (clients know only that one): the killed server may still hold it
        }
        throw new IllegalStateException("redis-server did not start; see " + dir.resolve("redis.log"));
    }

    /** Kills the server (SIGKILL: no chance to say goodbye, as in a crash) and waits for it to exit. */
    void stop() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            // until it is gone: a restart binds the same port again
            process.waitFor(60, TimeUnit.SECONDS);
            process = null;
        }
    }

    /**
     * Sends one command (arguments without spaces) and returns the first line of the reply, or null when the server
     * does not answer.
     */
    String command(String... args) {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(2_000);
            StringBuilder request = new StringBuilder("*" + args.length + "\r\n");
            for (String a : args) {
                request.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a)
                        .append("\r\n");
            }
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder line = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0 && c != '\r') {
                line.append((char) c);
            }
            return line.toString();
        } catch (IOException e) {
            return null;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static boolean onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String d : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, program))) {
                return true;
            }
        }
        return false;
    }
}
