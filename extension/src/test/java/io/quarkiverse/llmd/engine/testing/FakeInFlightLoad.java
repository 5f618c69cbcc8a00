package io.quarkiverse.llmd.engine.testing;

import java.util.HashMap;
import java.util.Map;

import io.quarkiverse.llmd.engine.framework.data.InFlightLoad;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;

/** Fixed in-flight counts by endpoint name, for scorer and detector tests. */
public final class FakeInFlightLoad implements InFlightLoad {

    private final Map<String, long[]> load = new HashMap<>();

    /** Sets the endpoint's in-flight requests and tokens. */
    public FakeInFlightLoad with(Endpoint endpoint, long requests, long tokens) {
        load.put(endpoint.name(), new long[] { requests, tokens });
        return this;
    }

    @Override
    public long requests(Endpoint endpoint) {
        long[] l = load.get(endpoint.name());
        return l == null ? 0 : l[0];
    }

    @Override
    public long tokens(Endpoint endpoint) {
        long[] l = load.get(endpoint.name());
        return l == null ? 0 : l[1];
    }
}
