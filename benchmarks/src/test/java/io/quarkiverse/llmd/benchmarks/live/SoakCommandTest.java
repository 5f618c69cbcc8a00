package io.quarkiverse.llmd.benchmarks.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The soak's readings of jcmd and its trend over samples. */
class SoakCommandTest {

    @Test
    void theLiveHeapOfSerialGcIsItsOldGeneration() {
        String serial = """
                12345:
                 def new generation   total 9792K, used 3122K [0x00000000c3800000, 0x00000000c42a0000)
                  eden space 8704K,  35% used [0x00000000c3800000, 0x00000000c3b0c8a8, 0x00000000c4080000)
                  from space 1088K,   0% used [0x00000000c4080000, 0x00000000c4080000, 0x00000000c4190000)
                 tenured generation   total 21564K, used 15473K [0x00000000d6000000, 0x00000000d750f000)
                   the space 21564K,  71% used [0x00000000d6000000, 0x00000000d6f1c4d8, 0x00000000d750f000)
                 Metaspace       used 53421K, committed 54016K, reserved 1114112K
                  class space    used 6789K, committed 7040K, reserved 1048576K
                """;
        assertThat(ProcessSample.heapUsedKb(serial)).as("young: allocated since the GC").isEqualTo(15473);
    }

    @Test
    void heapInUseOfG1IsItsHeapLine() {
        String g1 = """
                12345:
                 garbage-first heap   total 262144K, used 40960K [0x0000000080000000, 0x0000000100000000)
                  region size 1024K, 3 young (3072K), 1 survivors (1024K)
                 Metaspace       used 53421K, committed 54016K, reserved 1114112K
                """;
        assertThat(ProcessSample.heapUsedKb(g1)).isEqualTo(40960);
        assertThat(ProcessSample.heapUsedKb("12345:\nCould not attach\n")).isEqualTo(-1);
    }

    @Test
    void aGrowingColumnHasAPositiveSlopeAndAFlatOneNone() {
        List<ProcessSample> samples = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            // heap grows 1 MiB (1024 KiB) per 30 s sample; threads flat after a warm-up jump
            samples.add(new ProcessSample(i * 30.0, 100_000 + 1024L * i, i < 3 ? 40 : 80, 200, 300_000));
        }
        SoakCommand.Trend heap = SoakCommand.Trend.of(samples, s -> s.heapAfterGcKb() / 1024.0);
        assertThat(heap.slopePerMinute()).isCloseTo(2.0, within(1e-9));
        assertThat(heap.lateMean()).isGreaterThan(heap.earlyMean());
        SoakCommand.Trend threads = SoakCommand.Trend.of(samples, ProcessSample::threads);
        assertThat(threads.slopePerMinute()).isZero();
        assertThat(threads.earlyMean()).isEqualTo(threads.lateMean());
        assertThat(SoakCommand.Trend.of(samples.subList(0, 3), ProcessSample::fds)).isNull();
    }

    @Test
    void requiredOptionsAreChecked() {
        assertThat(SoakCommand.main(new String[] { "--pid", "1", "--duration", "10" })).isEqualTo(2);
        assertThat(SoakCommand.main(new String[] { "--pid", "1", "--duration", "10", "--out", "x", "--workload",
                "w.yaml", "--duration-scale", "2" })).isEqualTo(2);
    }
}
