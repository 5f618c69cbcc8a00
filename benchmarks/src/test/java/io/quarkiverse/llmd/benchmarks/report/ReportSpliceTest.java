package io.quarkiverse.llmd.benchmarks.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report rewrites only its own section of docs/benchmarks.md. */
class ReportSpliceTest {

    @Test
    void newFileHoldsOnlyTheMarkedReport() {
        assertThat(ReportCommand.splice(null, "## Results\n"))
                .isEqualTo(ReportCommand.BEGIN + "\n## Results\n" + ReportCommand.END + "\n");
    }

    @Test
    void fileWithoutMarkersGetsTheReportAppended() {
        assertThat(ReportCommand.splice("# Benchmarks\n\nby hand\n", "## Results\n"))
                .isEqualTo("# Benchmarks\n\nby hand\n\n" + ReportCommand.BEGIN + "\n## Results\n" + ReportCommand.END
                        + "\n");
    }

    @Test
    void previousReportIsReplacedAndTheRestKept() {
        String before = "# Benchmarks\n\nby hand\n\n" + ReportCommand.BEGIN + "\n## Old\n" + ReportCommand.END
                + "\n\n## Also by hand\n";
        assertThat(ReportCommand.splice(before, "## New\n"))
                .isEqualTo("# Benchmarks\n\nby hand\n\n" + ReportCommand.BEGIN + "\n## New\n" + ReportCommand.END
                        + "\n\n## Also by hand\n");
    }

    @Test
    void aRunDirectoryThatDoesNotExistIsAClearErrorAndNothingIsWritten(@TempDir Path dir) throws Exception {
        Path made = dir.resolve("made");
        Files.createDirectories(made);
        Files.writeString(made.resolve("run.json"), "{}");
        Path notARun = dir.resolve("empty");
        Files.createDirectories(notARun);
        Path out = dir.resolve("report.md");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int rc;
        try {
            rc = ReportCommand.main(new String[] { "--runs", made.toString(), dir.resolve("never-made").toString(),
                "--speed", notARun.toString(), "--out", out.toString() });
        } finally {
            System.setErr(old);
        }
        assertThat(rc).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("--runs " + dir.resolve("never-made") + ": no such directory")
                .contains("--speed " + notARun + ": not the output of a run (it has no run.json)")
                .doesNotContain("--runs " + made + ":");
        assertThat(out).doesNotExist();
    }

    @Test
    void withoutOutNothingIsWritten() {
        assertThat(ReportCommand.main(new String[] { "--runs", "benchmarks/target/results/x" })).isEqualTo(2);
    }
}
