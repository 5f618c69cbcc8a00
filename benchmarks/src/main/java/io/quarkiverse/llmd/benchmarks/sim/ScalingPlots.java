package io.quarkiverse.llmd.benchmarks.sim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import io.quarkiverse.llmd.benchmarks.sim.scaling.ScalingTrace;

/** PNG plots of autoscaled runs over virtual time, one line per strategy (XChart, headless). */
public final class ScalingPlots {

    public static final String REPLICAS = "replicas_over_time.png";
    public static final String TTFT = "ttft_p99_per_minute.png";

    private ScalingPlots() {
    }

    /** Provisioned replicas (a step line) and each minute's TTFT p99 (failed requests count as infinite). */
    public static List<Path> write(Path dir, String title, List<ScaledRun> runs, double ttftTarget) {
        System.setProperty("java.awt.headless", "true");
        XYChart replicas = chart(title + ": provisioned replicas", "replicas", false);
        XYChart ttft = chart(title + ": TTFT p99 per minute of arrivals (failures: top of the axis)",
                "TTFT p99 (s, log scale)", true);
        double ceiling = ttftTarget;
        List<double[]> minutes = new ArrayList<>();
        for (ScaledRun r : runs) {
            double[] m = ScalingSummary.minuteP99(r.result().log());
            minutes.add(m);
            for (double v : m) {
                if (Double.isFinite(v)) {
                    ceiling = Math.max(ceiling, v);
                }
            }
        }
        for (int k = 0; k < runs.size(); k++) {
            ScalingTrace t = runs.get(k).trace();
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (int i = 0; i < t.size(); i++) {
                if (i > 0) { // a step: hold the previous count until this point
                    x.add(t.time(i));
                    y.add((double) t.provisioned(i - 1));
                }
                x.add(t.time(i));
                y.add((double) t.provisioned(i));
            }
            x.add(runs.get(k).result().endTime());
            y.add((double) t.provisioned(t.size() - 1));
            replicas.addSeries(t.policy(), x, y).setMarker(SeriesMarkers.NONE);
            double[] m = minutes.get(k);
            List<Double> mx = new ArrayList<>();
            List<Double> my = new ArrayList<>();
            for (int i = 0; i < m.length; i++) {
                if (m[i] > 0) {
                    mx.add(i + 0.5);
                    my.add(Double.isFinite(m[i]) ? m[i] : ceiling * 2);
                }
            }
            if (!mx.isEmpty()) {
                ttft.addSeries(t.policy(), mx, my);
            }
        }
        if (!runs.isEmpty()) {
            double minutesMax = minutes.stream().mapToInt(a -> a.length).max().orElse(1);
            XYSeries target = ttft.addSeries("target", List.of(0.0, minutesMax), List.of(ttftTarget, ttftTarget));
            target.setMarker(SeriesMarkers.NONE);
        }
        return List.of(save(replicas, dir.resolve(REPLICAS)), save(ttft, dir.resolve(TTFT)));
    }

    private static XYChart chart(String title, String yTitle, boolean log) {
        XYChart c = new XYChartBuilder().width(900).height(480).title(title)
                .xAxisTitle(log ? "minute" : "virtual time (s)").yAxisTitle(yTitle).build();
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        c.getStyler().setMarkerSize(5);
        c.getStyler().setYAxisLogarithmic(log);
        return c;
    }

    private static Path save(XYChart chart, Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }
}
