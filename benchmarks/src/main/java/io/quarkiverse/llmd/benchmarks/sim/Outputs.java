package io.quarkiverse.llmd.benchmarks.sim;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** Writes summary.json and requests.csv. */
public final class Outputs {

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Columns of requests.csv, in order. */
    public static final String CSV_HEADER = "id,stage,group,pod,status,arrival_s,sent_s,ttft_s,e2e_s,tpot_s,"
            + "prompt_tokens,cached_tokens,output_tokens";

    private Outputs() {
    }

    public static void writeJson(Path file, Object value) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, JSON.writeValueAsString(value) + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> readJson(Path file) {
        try {
            return JSON.readValue(file.toFile(), Map.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void writeCsv(Path file, RequestLog log) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                w.write(CSV_HEADER);
                w.write('\n');
                StringBuilder sb = new StringBuilder(128);
                for (int i = 0; i < log.size(); i++) {
                    sb.setLength(0);
                    boolean ok = log.status(i) == RequestLog.OK;
                    double ttft = log.firstToken(i) - log.sent(i);
                    double e2e = log.finish(i) - log.sent(i);
                    sb.append(i).append(',').append(log.stage(i)).append(',').append(log.group(i)).append(',')
                            .append(log.pod(i)).append(',').append(RequestLog.statusName(log.status(i))).append(',')
                            .append(num(log.arrival(i))).append(',').append(num(log.sent(i))).append(',')
                            .append(Double.isNaN(ttft) ? "" : num(ttft)).append(',')
                            .append(ok ? num(e2e) : "").append(',')
                            .append(ok && log.outputTokens(i) > 1
                                    ? num((log.finish(i) - log.firstToken(i)) / (log.outputTokens(i) - 1))
                                    : "")
                            .append(',').append(log.promptTokens(i)).append(',').append(log.cachedTokens(i))
                            .append(',').append(log.outputTokens(i)).append('\n');
                    w.append(sb);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%.6f", v);
    }
}
