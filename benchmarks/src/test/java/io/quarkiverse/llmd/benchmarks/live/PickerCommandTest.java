package io.quarkiverse.llmd.benchmarks.live;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.quarkiverse.llmd.benchmarks.sim.Outputs;

class PickerCommandTest {

    @TempDir
    Path dir;

    @Test
    void anExtProcRunAgainstTheLoopbackPickerIsDecidedOnceTheBodyHasEnded() throws Exception {
        Path workload = dir.resolve("tiny.yaml");
        Files.writeString(workload, LiveCommandTest.TINY);
        try (LoopbackPicker picker = new LoopbackPicker(0)) {
            int rc = LiveCommand.main(new String[] { "--workload", workload.toString(), "--target", picker.target(),
                "--mode", "extproc", "--plaintext", "--client-warm-up", "0", "--seed", "2", "--out",
                dir.resolve("out").toString(), "--no-plots" });
            assertThat(rc).isZero();
        }
        Map<String, Object> s = Outputs.readJson(dir.resolve("out/summary.json"));
        assertThat(s.get("failed")).isEqualTo(0);
        assertThat(s.get("completed")).isEqualTo(s.get("requests"));
        assertThat(((Number) s.get("completed")).intValue()).isPositive();
        // every request went to the one destination the picker names (recorded as pod 0)
        int pod = List.of(Outputs.CSV_HEADER.split(",")).indexOf("pod");
        assertThat(Files.readAllLines(dir.resolve("out/requests.csv")).stream().skip(1)
                .map(line -> line.split(",", -1)[pod]).distinct()).containsExactly("0");
    }

    @Test
    void badOptionsAreRefusedAndABoundedRunEnds() throws Exception {
        assertThat(PickerCommand.main(new String[] { "--port", "70000" })).isEqualTo(2);
        assertThat(PickerCommand.main(new String[] { "--port", "x" })).isEqualTo(2);
        assertThat(PickerCommand.main(new String[] { "--seconds", "0" })).isEqualTo(2);
        assertThat(PickerCommand.main(new String[] { "--nope" })).isEqualTo(2);
        assertThat(PickerCommand.main(new String[] { "--seconds", "0.2" })).isZero();
    }
}
