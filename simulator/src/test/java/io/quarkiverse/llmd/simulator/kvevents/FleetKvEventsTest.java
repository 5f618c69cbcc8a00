package io.quarkiverse.llmd.simulator.kvevents;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMsg;

import io.quarkiverse.llmd.simulator.SimulatedFleet;
import io.quarkiverse.llmd.simulator.config.HardwareProfile;
import io.quarkiverse.llmd.simulator.config.SimulatorConfig;

/** A fleet started with a KV-events port publishes its pods' cache events over ZMQ, as vLLM does. */
class FleetKvEventsTest {

    @Test
    void podPublishesBlockStoredForAPromptOnItsOwnPortAndTopic() throws Exception {
        int zmqPort;
        try (ServerSocket probe = new ServerSocket(0)) {
            zmqPort = probe.getLocalPort();
        }
        SimulatorConfig config = SimulatorConfig.builder("sim-model").port(0).replicas(1)
                .hardware(HardwareProfile.byName("H100")).timeScale(50).kvEventsPort(zmqPort).build();
        try (SimulatedFleet fleet = SimulatedFleet.start(config); ZContext zmq = new ZContext()) {
            String topicPrefix = "kv@" + fleet.pod(0).address() + "@sim-model";
            HttpClient http = HttpClient.newHttpClient();
            List<TestKvEventDecoder.Event> stored = new ArrayList<>();
            String topic = null;
            // JeroMQ may leave a fresh connection without its handshake (see ZmqKvEventPublisher): reconnect a new
            // SUB and send another prompt until events arrive.
            for (int attempt = 0; attempt < 10 && stored.isEmpty(); attempt++) {
                try (ZMQ.Socket sub = zmq.createSocket(SocketType.SUB)) {
                    sub.subscribe("kv@".getBytes());
                    sub.setReceiveTimeOut(1000);
                    sub.connect("tcp://127.0.0.1:" + zmqPort);
                    Thread.sleep(200);
                    String prompt = "attempt " + attempt + " " + "a long shared system prompt for the cache ".repeat(20);
                    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(
                            "http://" + fleet.pod(0).address() + "/v1/completions"))
                            .header("content-type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"sim-model\",\"prompt\":\"" + prompt
                                    + "\",\"max_tokens\":2}")).build(), HttpResponse.BodyHandlers.ofString());
                    assertThat(response.statusCode()).isEqualTo(200);
                    ZMsg msg;
                    while ((msg = ZMsg.recvMsg(sub)) != null) {
                        assertThat(msg.size()).isEqualTo(3);
                        topic = msg.popString();
                        assertThat(ByteBuffer.wrap(msg.pop().getData()).getLong()).isGreaterThanOrEqualTo(0);
                        for (TestKvEventDecoder.Event e : TestKvEventDecoder.decode(msg.pop().getData()).events()) {
                            if (e.event() instanceof KvEvent.BlockStored) {
                                stored.add(e);
                            }
                        }
                        if (!stored.isEmpty()) {
                            break;
                        }
                    }
                }
            }
            assertThat(stored).isNotEmpty();
            assertThat(topic).isEqualTo(topicPrefix);
            KvEvent.BlockStored first = (KvEvent.BlockStored) stored.get(0).event();
            assertThat(first.blockSize()).isEqualTo(16);
            assertThat(first.tokenIds()).hasSize(first.blockHashes().length * 16);
        }
    }
}
