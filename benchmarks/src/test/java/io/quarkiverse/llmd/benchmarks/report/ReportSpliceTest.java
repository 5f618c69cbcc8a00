package io.quarkiverse.llmd.benchmarks.report;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

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
}
