package io.backplane.provisioning;

/** The exit codes every {@code backplane} command keeps (scripts depend on them; README lists them). */
public final class ExitCodes {
    /** Success. */
    public static final int OK = 0;
    /** The command ran and failed (a check failed, a file could not be read, a node could not start). */
    public static final int FAILURE = 1;
    /** Bad usage: unknown subcommand, unknown or malformed flag. */
    public static final int USAGE = 2;
    /** A signing request was refused by the double-sign guard. */
    public static final int REFUSED = 3;
    /** A plugin was refused, crashed, timed out or broke the protocol. */
    public static final int PLUGIN_ERROR = 4;

    private ExitCodes() {
    }
}
