package io.quarkiverse.llmd.engine.framework.data;

import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;

/**
 * Work the scheduler has sent to each endpoint and not yet seen finish. Unlike scraped metrics it is current to the
 * request, so bursts do not all pile onto the endpoint that looked idle at the last scrape.
 */
public interface InFlightLoad {

    /** Requests dispatched to the endpoint and not completed. */
    long requests(Endpoint endpoint);

    /** Estimated tokens (input plus expected output) of those requests. */
    long tokens(Endpoint endpoint);
}
