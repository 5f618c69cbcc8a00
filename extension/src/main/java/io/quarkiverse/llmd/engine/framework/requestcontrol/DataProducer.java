package io.quarkiverse.llmd.engine.framework.requestcontrol;

import java.util.List;
import java.util.Set;

import io.quarkiverse.llmd.engine.framework.plugin.DataKey;
import io.quarkiverse.llmd.engine.framework.plugin.Plugin;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;

/** Computes per-request data before the scheduler runs, for instance the prefix-cache match of each endpoint. */
public interface DataProducer extends Plugin {

    Set<DataKey<?>> produces();

    /** Computes the data for this request over the candidate endpoints and stores it in the context. */
    void produce(SchedulingContext context, List<Endpoint> candidates);
}
