package io.quarkiverse.llmd.engine.config;

/**
 * An EndpointPickerConfig that cannot be used. The message reads {@code <source>:<line>: <field>: <problem>} so that
 * the user can go straight to the place in the file.
 */
public final class ConfigException extends RuntimeException {

    private final String source;
    private final int line;
    private final String field;
    private final String problem;

    public ConfigException(String source, int line, String field, String problem) {
        super(format(source, line, field, problem));
        this.source = source;
        this.line = line;
        this.field = field;
        this.problem = problem;
    }

    private static String format(String source, int line, String field, String problem) {
        StringBuilder sb = new StringBuilder(source == null ? "<config>" : source);
        if (line > 0) {
            sb.append(':').append(line);
        }
        sb.append(": ");
        if (field != null && !field.isEmpty()) {
            sb.append(field).append(": ");
        }
        return sb.append(problem).toString();
    }

    public String source() {
        return source;
    }

    /** 1-based line number, or 0 when the problem has no single place (for instance a missing section). */
    public int line() {
        return line;
    }

    /** Path of the field, for instance {@code plugins[2].parameters.threshold}. */
    public String field() {
        return field;
    }

    public String problem() {
        return problem;
    }
}
