package io.quarkiverse.llmd.benchmarks.sim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * PNG plots against offered QPS (the workload's stages), one line per scheduler, with XChart (headless).
 * When the first stage's rate is higher than the second's it is taken as a warm-up and left out of the plots.
 */
public final class Plots {

    public static final String TTFT_P90 = "ttft_p90_vs_qps.png";
    public static final String THROUGHPUT = "output_throughput_vs_qps.png";

    private Plots() {
    }

    /** Writes both plots for the given summaries (summary.json maps) into {@code dir}; returns the files. */
    public static List<Path> write(Path dir, String title, List<Map<String, Object>> summaries) {
        System.setProperty("java.awt.headless", "true");
        List<Path> files = new ArrayList<>();
        files.add(plot(dir.resolve(TTFT_P90), title + ": TTFT p90 vs QPS", "TTFT p90 (s, log scale)", true,
                summaries, s -> ((Number) ((Map<?, ?>) s.get("ttft_s")).get("p90")).doubleValue()));
        files.add(plot(dir.resolve(THROUGHPUT), title + ": output throughput vs QPS", "output tokens/s", false,
                summaries, s -> ((Number) s.get("output_tokens_per_s")).doubleValue()));
        return files;
    }

    @SuppressWarnings("unchecked")
    private static Path plot(Path file, String title, String yTitle, boolean log,
            List<Map<String, Object>> summaries, Function<Map<String, Object>, Double> metric) {
        XYChart chart = new XYChartBuilder().width(900).height(540).title(title).xAxisTitle("offered load (QPS)")
                .yAxisTitle(yTitle).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        chart.getStyler().setMarkerSize(6);
        chart.getStyler().setYAxisLogarithmic(log);
        for (Map<String, Object> s : summaries) {
            List<Map<String, Object>> stages = (List<Map<String, Object>>) s.get("stages");
            int from = warmupStages(stages);
            int n = stages.size() - from;
            if (n <= 0) {
                continue;
            }
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Map<String, Object> st = stages.get(from + i);
                double v = metric.apply(st);
                // a stage where every request failed has no latency to show (the report lists the failures)
                if (((Number) st.get("completed")).intValue() == 0 || (log && v <= 0)) {
                    continue;
                }
                x.add(((Number) st.get("rate")).doubleValue());
                y.add(v);
            }
            if (!x.isEmpty()) {
                chart.addSeries(String.valueOf(s.get("scheduler")), x, y);
            }
        }
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** 1 when stage 0 looks like a warm-up (its rate exceeds stage 1's), else 0. */
    public static int warmupStages(List<Map<String, Object>> stages) {
        if (stages.size() > 1 && ((Number) stages.get(0).get("rate")).doubleValue() > ((Number) stages.get(1)
                .get("rate")).doubleValue()) {
            return 1;
        }
        return 0;
    }
}
