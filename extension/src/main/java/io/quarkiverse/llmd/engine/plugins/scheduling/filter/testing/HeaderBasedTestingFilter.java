package io.quarkiverse.llmd.engine.plugins.scheduling.filter.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.quarkiverse.llmd.engine.framework.plugin.NoParameters;
import io.quarkiverse.llmd.engine.framework.plugin.Parameters;
import io.quarkiverse.llmd.engine.framework.plugin.PluginFactory;
import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.Filter;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;

/**
 * {@code header-based-testing-filter}: conformance steering. Keeps only the endpoints named by the request header
 * {@code test-epp-endpoint-selection}, a comma-separated list of {@code IP} or {@code IP:port} entries (IPv6 with or
 * without brackets, a port only with brackets). The result follows the order of the header, not the candidates',
 * and holds at most one endpoint per IP: for an entry with a port the endpoint on exactly that port when there is
 * one (data-parallel ranks share an IP), otherwise the first candidate on that IP. An absent or empty header, or
 * one naming no candidate, leaves nothing, so the request fails instead of silently going elsewhere.
 */
public final class HeaderBasedTestingFilter implements Filter {

    public static final String TYPE = "header-based-testing-filter";
    /** The steering header of the Gateway API Inference Extension conformance suite. */
    public static final String HEADER = "test-epp-endpoint-selection";
    public static final PluginFactory FACTORY = (name, parameters, handle) -> {
        Parameters.decode(parameters, NoParameters.class);
        return new HeaderBasedTestingFilter(name);
    };

    private final TypedName typedName;

    public HeaderBasedTestingFilter(String name) {
        this.typedName = new TypedName(TYPE, name);
    }

    @Override
    public TypedName typedName() {
        return typedName;
    }

    @Override
    public List<Endpoint> filter(SchedulingContext context, List<Endpoint> endpoints) {
        String header = context.request().header(HEADER);
        if (header == null || header.isBlank()) {
            return List.of();
        }
        List<HostPort> wanted = parse(header);
        List<Endpoint> kept = new ArrayList<>(wanted.size());
        List<String> seenIps = new ArrayList<>(wanted.size());
        for (HostPort entry : wanted) {
            if (seenIps.contains(entry.ip())) {
                continue;
            }
            Endpoint match = find(endpoints, entry);
            if (match != null) {
                seenIps.add(entry.ip());
                kept.add(match);
            }
        }
        return kept;
    }

    private static Endpoint find(List<Endpoint> endpoints, HostPort entry) {
        Endpoint sameIp = null;
        for (int i = 0; i < endpoints.size(); i++) {
            Endpoint e = endpoints.get(i);
            HostPort address = HostPort.parse(e.address());
            if (address == null || !address.ip().equals(entry.ip())) {
                continue;
            }
            if (entry.port() == null || entry.port().equals(address.port())) {
                return e;
            }
            if (sameIp == null) {
                sameIp = e;
            }
        }
        return sameIp;
    }

    /** The entries of a header value, in order; blank and malformed entries are skipped. */
    static List<HostPort> parse(String header) {
        List<HostPort> entries = new ArrayList<>();
        for (String raw : header.split(",")) {
            HostPort entry = HostPort.parse(raw.trim());
            if (entry != null) {
                entries.add(entry);
            }
        }
        return entries;
    }

    /**
     * An IP (lower-case, IPv6 without brackets) and an optional port.
     *
     * @param port the port as written, or null when the entry named none
     */
    record HostPort(String ip, String port) {

        /** Parses {@code ip}, {@code ip:port}, {@code [ipv6]}, {@code [ipv6]:port} or a bare IPv6; null if malformed. */
        static HostPort parse(String text) {
            if (text.isEmpty()) {
                return null;
            }
            if (text.charAt(0) == '[') {
                int close = text.indexOf(']');
                if (close < 2) {
                    return null;
                }
                String ip = text.substring(1, close).toLowerCase(Locale.ROOT);
                String rest = text.substring(close + 1);
                if (rest.isEmpty()) {
                    return new HostPort(ip, null);
                }
                return rest.charAt(0) == ':' && isPort(rest.substring(1)) ? new HostPort(ip, rest.substring(1)) : null;
            }
            int first = text.indexOf(':');
            if (first < 0) {
                return new HostPort(text.toLowerCase(Locale.ROOT), null);
            }
            if (first != text.lastIndexOf(':')) {
                // More than one colon without brackets: a bare IPv6 address, which cannot carry a port.
                return new HostPort(text.toLowerCase(Locale.ROOT), null);
            }
            String port = text.substring(first + 1);
            return first > 0 && isPort(port) ? new HostPort(text.substring(0, first).toLowerCase(Locale.ROOT), port)
                    : null;
        }

        private static boolean isPort(String s) {
            if (s.isEmpty() || s.length() > 5) {
                return false;
            }
            for (int i = 0; i < s.length(); i++) {
                if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                    return false;
                }
            }
            return true;
        }
    }
}
