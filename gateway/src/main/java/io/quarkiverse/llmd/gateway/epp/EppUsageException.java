package io.quarkiverse.llmd.gateway.epp;

/** A command line llm-d's EPP would refuse: an unknown flag, a bad value, a missing or conflicting flag. */
public final class EppUsageException extends Exception {

    private static final long serialVersionUID = 1L;

    /** @param message what is wrong, naming the flag */
    public EppUsageException(String message) {
        super(message);
    }
}
