package io.backplane.provisioning;

/**
 * A command that stops with a documented exit code and one message. Commands throw it instead of printing and
 * returning a code, so that {@link Main}'s handler renders every failure the same way: the message on stderr, or,
 * with {@code --json}, {@code {"error":{"code":N,"message":"..."}}} as the only document on stdout.
 */
public final class CommandFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int exitCode;

    public CommandFailure(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public CommandFailure(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }

    /** Exit 1: the command ran and failed. */
    public static CommandFailure failure(String message) {
        return new CommandFailure(ExitCodes.FAILURE, message);
    }

    /** Exit 2: bad usage (a flag value the parser could not check). */
    public static CommandFailure usage(String message) {
        return new CommandFailure(ExitCodes.USAGE, message);
    }

    /** Exit 4: a plugin was refused, crashed, timed out or broke the protocol. */
    public static CommandFailure plugin(String message) {
        return new CommandFailure(ExitCodes.PLUGIN_ERROR, message);
    }
}
