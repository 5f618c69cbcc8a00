package io.quarkiverse.llmd.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.simulator.config.FailureConfig;
import io.quarkiverse.llmd.simulator.config.HardwareProfile;
import io.quarkiverse.llmd.simulator.config.SimulatorConfig;

class SimulatorMainTest {

    static SimulatorConfig parse(String... args) {
        return SimulatorMain.toConfig(SimulatorMain.parse(args));
    }

    @Test
    void flagsMapToTheConfig() {
        SimulatorConfig c = parse("--model", "m", "--replicas", "3", "--port=9000", "--hardware", "L4",
                "--max-num-seqs", "8", "--time-scale", "10", "--kv-blocks", "500", "--failure-rate", "0.5",
                "--failure-kinds", "5xx,slow", "--metrics-stall-ms", "-1", "--lora-modules", "a,b=/p",
                "--kv-events-port", "5557", "--enable-prefix-caching", "false");
        assertThat(c.replicas()).isEqualTo(3);
        assertThat(c.port()).isEqualTo(9000);
        assertThat(c.hardware().name()).isEqualTo("l4-llama-8b");
        assertThat(c.hardware().kvBlocks()).isEqualTo(500);
        assertThat(c.maxNumSeqs()).isEqualTo(8);
        assertThat(c.timeScale()).isEqualTo(10);
        assertThat(c.failures().rate()).isEqualTo(0.5);
        assertThat(c.failures().kinds()).containsExactlyInAnyOrder(FailureConfig.Kind.SERVER_ERROR,
                FailureConfig.Kind.SLOW_FIRST_BYTE);
        assertThat(c.failures().metricsStallMillis()).isEqualTo(-1);
        assertThat(c.loraModules()).containsExactly("a", "b=/p");
        assertThat(c.kvEventsPort()).isEqualTo(5557);
        assertThat(c.enablePrefixCaching()).isFalse();
    }

    @Test
    void kvEventFlagsPickTheMode() {
        String[] off = { "--model", "m" };
        assertThat(SimulatorMain.sinks(SimulatorMain.parse(off), parse(off))).isSameAs(KvEventSinkFactory.DEFAULT);
        String[] central = { "--model", "m", "--zmq-endpoint", "tcp://gw:5557", "--kv-events-replay-port", "5700",
                "--kv-events-map-format", "true" };
        assertThat(SimulatorMain.sinks(SimulatorMain.parse(central), parse(central)))
                .isNotSameAs(KvEventSinkFactory.DEFAULT);
        String[] replayAlone = { "--model", "m", "--kv-events-replay-port", "5700" };
        assertThatThrownBy(() -> SimulatorMain.sinks(SimulatorMain.parse(replayAlone), parse(replayAlone)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--zmq-endpoint");
        String[] boundCentral = { "--model", "m", "--zmq-endpoint", "tcp://*:5557" };
        KvEventSinkFactory f = SimulatorMain.sinks(SimulatorMain.parse(boundCentral), parse(boundCentral));
        assertThatThrownBy(() -> f.create(parse(boundCentral), 0, "127.0.0.1", 8000, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("connect");
    }

    @Test
    void tokenizerFlag() {
        assertThat(parse("--model", "m").tokenizer()).isNull();
        assertThat(parse("--model", "m", "--tokenizer", "src/test/resources/tokenizer/wordlevel-tokenizer.json")
                .tokenizer()).hasFileName("wordlevel-tokenizer.json");
        assertThatThrownBy(() -> parse("--model", "m", "--tokenizer", "nope/tokenizer.json"))
                .hasMessageContaining("--tokenizer: no such file");
        assertThat(SimulatorMain.help()).contains("--tokenizer PATH");
    }

    @Test
    void stepTimeOverride() {
        HardwareProfile hw = parse("--model", "m", "--step-time", "0.001,1e-5,0,0").hardware();
        assertThat(hw.a()).isEqualTo(0.001);
        assertThat(hw.b()).isEqualTo(1e-5);
    }

    @Test
    void badFlagsAreExplained() {
        assertThatThrownBy(() -> parse("--model", "m", "--nope", "1")).hasMessageContaining("unknown flag --nope");
        assertThatThrownBy(() -> parse("--replicas", "2")).hasMessageContaining("--model is required");
        assertThatThrownBy(() -> parse("--model", "m", "--replicas", "x")).hasMessageContaining("not an integer");
        assertThatThrownBy(() -> parse("--model", "m", "--hardware", "tpu")).hasMessageContaining("unknown hardware");
        assertThatThrownBy(() -> parse("--model", "m", "--port")).hasMessageContaining("needs a value");
        assertThatThrownBy(() -> parse("--model", "m", "--failure-rate", "2")).hasMessageContaining("[0,1]");
    }

    @Test
    void helpDocumentsEveryFlag() {
        String help = SimulatorMain.help();
        for (String flag : new String[] { "--model", "--replicas", "--port", "--hardware", "--time-scale",
                "--kv-events-port", "--failure-rate", "--metrics-stall-ms", "--max-waiting-queue-length" }) {
            assertThat(help).contains(flag);
        }
    }
}
