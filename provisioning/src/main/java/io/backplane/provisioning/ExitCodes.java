package io.backplane.provisioning;

/**
 * The exit codes every {@code backplane} command keeps (scripts depend on them). This class is the one table; the
 * top-level usage footer and README.md list the same rows, and {@code ExitCodesTest} checks one command per family
 * against each.
 */
public final class ExitCodes {
    /** Success. */
    public static final int OK = 0;
    /** The command ran and failed (a check failed, a file could not be read, a node could not start). */
    public static final int FAILURE = 1;
    /** Bad usage: unknown subcommand, unknown or malformed flag or flag value. */
    public static final int USAGE = 2;
    /** A signing request was refused by the double-sign guard. */
    public static final int REFUSED = 3;
    /** A plugin was refused (its jar or manifest missing, unreadable or failing a check), crashed, timed out or broke the protocol. */
    public static final int PLUGIN_ERROR = 4;
    /** Interrupted (Ctrl-C, SIGINT or SIGTERM): what was finished has been printed; 128 + SIGINT, as shells report it. */
    public static final int INTERRUPTED = 130;

    /** The rows of the table, in the words the usage footer and README use. */
    static final String[] TABLE = {
        "Exit codes:",
        "  0    ok",
        "  1    failure: a check failed, a file could not be read, bad configuration",
        "  2    usage: unknown command, bad flag or flag value",
        "  3    signing refused by the double-sign guard",
        "  4    plugin refused (its jar or manifest missing or bad), crashed or timed out",
        "  130  interrupted (Ctrl-C): what was finished has been printed",
        "With --json, stdout holds exactly one JSON document (JSON lines for streams),",
        "on failure too: {\"error\":{\"code\":<exit code>,\"message\":\"...\"}}.",
        "Without --json, errors go to stderr only.",
    };

    private ExitCodes() {
    }
}
