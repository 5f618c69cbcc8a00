package io.quarkiverse.llmd.simulator.kvevents;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMsg;

/**
 * Fault injection for subscriber tests: a batch left out of the live stream keeps its sequence number and is served
 * by the replay socket, so a subscriber sees a gap it can recover. Also: an explicit bind on a plain address.
 */
class SkipLiveReplayTest {

    private static List<KvEvent> removed(long hash) {
        return List.of(new KvEvent.BlockRemoved(new long[] { hash }, "GPU"));
    }

    private static long seq(byte[] frame) {
        return ByteBuffer.wrap(frame).getLong();
    }

    @Test
    void aSkippedBatchIsMissingLiveAndPresentInTheReplay() throws Exception {
        KvEventsConfig config = KvEventsConfig.of("tcp://127.0.0.1:*", "kv@pod@m").withBind(true)
                .withReplayEndpoint("tcp://127.0.0.1:*");
        try (ZContext zmq = new ZContext(); ZmqKvEventPublisher pub = new ZmqKvEventPublisher(config)) {
            assertThat(pub.bound()).isTrue();
            // until the link is up: on a loaded machine JeroMQ's handshake can stall for good (a CI run here waited
            // 20 s on one connection), so a link silent for 2 s is given up and made again, as the publisher's own
            // guard does
            ZMQ.Socket sub = null;
            long first = -1;
            for (int attempt = 0; attempt < 5 && first < 0; attempt++) {
                if (sub != null) {
                    zmq.destroySocket(sub);
                }
                sub = zmq.createSocket(SocketType.SUB);
                sub.subscribe("kv@".getBytes());
                sub.setReceiveTimeOut(200);
                sub.connect(pub.endpoint());
                for (int i = 0; i < 10 && first < 0; i++) {
                    pub.publish(1.0, removed(1));
                    ZMsg msg = ZMsg.recvMsg(sub);
                    if (msg != null) {
                        msg.pop();
                        first = seq(msg.pop().getData());
                    }
                }
            }
            assertThat(first).as("a live batch on one of 5 connections").isNotNegative();
            ZMsg extra;
            while ((extra = ZMsg.recvMsg(sub)) != null) { // probes still in flight
                extra.pop();
                first = seq(extra.pop().getData());
            }
            pub.skipLive(1);
            pub.publish(2.0, removed(2)); // first + 1: not sent live
            pub.publish(3.0, removed(3)); // first + 2
            sub.setReceiveTimeOut(5000);
            ZMsg live = ZMsg.recvMsg(sub);
            assertThat(live).isNotNull();
            live.pop();
            assertThat(seq(live.pop().getData())).isEqualTo(first + 2);

            // a fresh connection per attempt: on a loaded machine JeroMQ's handshake can stall (as the publisher's own
            // guard knows), and the request then waits on a link that never comes up
            ZMQ.Socket dealer = null;
            ZMsg a = null;
            for (int attempt = 0; attempt < 5 && a == null; attempt++) {
                if (dealer != null) {
                    zmq.destroySocket(dealer);
                }
                dealer = zmq.createSocket(SocketType.DEALER);
                dealer.setReceiveTimeOut(5000);
                dealer.connect(pub.replayEndpoint());
                dealer.send(new byte[0], ZMQ.SNDMORE);
                dealer.send(ZmqKvEventPublisher.toBytes(first + 1));
                a = ZMsg.recvMsg(dealer);
            }
            assertThat(a).as("a replay answer").isNotNull();
            assertThat(a.pop().size()).isZero();
            assertThat(seq(a.pop().getData())).isEqualTo(first + 1);
            ZMsg b = ZMsg.recvMsg(dealer);
            b.pop();
            assertThat(seq(b.pop().getData())).isEqualTo(first + 2);
            ZMsg end = ZMsg.recvMsg(dealer);
            end.pop();
            assertThat(seq(end.pop().getData())).isEqualTo(-1L);
        }
    }
}
