package io.quarkiverse.llmd.engine.framework.datalayer;

/**
 * How the runtime polls an endpoint over HTTP on a {@link DataSource}'s behalf.
 *
 * @param scheme {@code http} or {@code https}
 * @param path the page to fetch, for instance {@code /metrics}
 * @param port the port to poll instead of the endpoint's own, or null
 * @param insecureSkipVerify with https, whether the server certificate goes unchecked
 * @param tlsFiles with https, whether CA or client certificate files were given
 */
public record HttpPoll(String scheme, String path, Integer port, boolean insecureSkipVerify, boolean tlsFiles) {
}
