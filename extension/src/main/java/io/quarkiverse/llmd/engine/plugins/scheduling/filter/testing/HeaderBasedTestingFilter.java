package io.quarkiverse.llmd.engine.plugins.scheduling.filter.testing;

import java.util.ArrayList;
import java.util.List;

import io.quarkiverse.llmd.engine.framework.datalayer.EndpointAddress;
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
        List<EndpointAddress> wanted = parse(header);
        List<Endpoint> kept = new ArrayList<>(wanted.size());
        List<String> seenIps = new ArrayList<>(wanted.size());
        for (EndpointAddress entry : wanted) {
            if (seenIps.contains(entry.host())) {
                continue;
            }
            Endpoint match = find(endpoints, entry);
            if (match != null) {
                seenIps.add(entry.host());
                kept.add(match);
            }
        }
        return kept;
    }

    private static Endpoint find(List<Endpoint> endpoints, EndpointAddress entry) {
        Endpoint sameIp = null;
        for (int i = 0; i < endpoints.size(); i++) {
            Endpoint e = endpoints.get(i);
            EndpointAddress address = e.parsedAddress();
            if (!address.host().equals(entry.host())) {
                continue;
            }
            if (!entry.hasPort() || entry.port() == address.port()) {
                return e;
            }
            if (sameIp == null) {
                sameIp = e;
            }
        }
        return sameIp;
    }

    /** The entries of a header value, in order; blank and malformed entries are skipped. */
    static List<EndpointAddress> parse(String header) {
        List<EndpointAddress> entries = new ArrayList<>();
        for (String raw : header.split(",")) {
            EndpointAddress.tryParse(raw.trim()).ifPresent(entries::add);
        }
        return entries;
    }
}
