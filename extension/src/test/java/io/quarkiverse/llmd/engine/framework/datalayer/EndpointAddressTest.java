package io.quarkiverse.llmd.engine.framework.datalayer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The one host:port parser: IPv4, IPv6 in and out of brackets, host names, and what is refused. */
class EndpointAddressTest {

    @Test
    void parsesEveryForm() {
        assertThat(EndpointAddress.parse("10.0.0.1:8000")).isEqualTo(new EndpointAddress("10.0.0.1", 8000));
        assertThat(EndpointAddress.parse(" [FD00::1]:8000 ")).isEqualTo(new EndpointAddress("fd00::1", 8000));
        assertThat(EndpointAddress.parse("[fd00::1]")).isEqualTo(new EndpointAddress("fd00::1", -1));
        assertThat(EndpointAddress.parse("fd00::1")).isEqualTo(new EndpointAddress("fd00::1", -1));
        assertThat(EndpointAddress.parse("vllm-0.vllm.ns.svc:8000")).isEqualTo(
                new EndpointAddress("vllm-0.vllm.ns.svc", 8000));
        assertThat(EndpointAddress.parse("pod")).isEqualTo(new EndpointAddress("pod", -1));
    }

    @Test
    void printsTheDestinationHeaderForm() {
        assertThat(EndpointAddress.parse("[fd00::1]:8000")).hasToString("[fd00::1]:8000");
        assertThat(EndpointAddress.parse("fd00::1").hostForUri()).isEqualTo("[fd00::1]");
        assertThat(EndpointAddress.parse("10.0.0.1:80")).hasToString("10.0.0.1:80");
    }

    @Test
    void refusesWhatIsNotAnAddress() {
        assertThatThrownBy(() -> EndpointAddress.parse("10.0.0.1:99999")).hasMessageContaining("outside 1-65535");
        assertThatThrownBy(() -> EndpointAddress.parse("10.0.0.1:0")).hasMessageContaining("outside 1-65535");
        assertThatThrownBy(() -> EndpointAddress.parse("10.0.0.1:http")).hasMessageContaining("no valid port");
        assertThatThrownBy(() -> EndpointAddress.parse("http://10.0.0.1:8000")).hasMessageContaining("not a host");
        assertThatThrownBy(() -> EndpointAddress.parse(":8000")).hasMessageContaining("no host");
        assertThatThrownBy(() -> EndpointAddress.parse("[10.0.0.1]:8000")).hasMessageContaining("IPv6");
        assertThatThrownBy(() -> EndpointAddress.parse("[fd00::1")).hasMessageContaining("bracket");
        assertThatThrownBy(() -> EndpointAddress.parseWithPort("10.0.0.1")).hasMessageContaining("no port");
        assertThat(EndpointAddress.tryParse("a b:1")).isEmpty();
    }

    @Test
    void matchesByHostAndByPortWhenBothNameOne() {
        EndpointAddress pod = EndpointAddress.parse("10.0.0.1:8000");
        assertThat(EndpointAddress.parse("10.0.0.1").matches(pod)).isTrue();
        assertThat(EndpointAddress.parse("10.0.0.1:8000").matches(pod)).isTrue();
        assertThat(EndpointAddress.parse("10.0.0.1:8001").matches(pod)).isFalse();
        assertThat(EndpointAddress.parse("10.0.0.2:8000").matches(pod)).isFalse();
    }
}
