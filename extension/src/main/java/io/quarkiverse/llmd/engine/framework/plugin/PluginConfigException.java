package io.quarkiverse.llmd.engine.framework.plugin;

/**
 * A plugin refused its parameters. The message names the offending field; the configuration loader adds the
 * plugin name, the file and the line.
 */
public final class PluginConfigException extends RuntimeException {

    private final String field;

    public PluginConfigException(String field, String message) {
        super(message);
        this.field = field;
    }

    /** Dotted path of the offending parameter below {@code parameters}, or null when the whole block is wrong. */
    public String field() {
        return field;
    }
}
