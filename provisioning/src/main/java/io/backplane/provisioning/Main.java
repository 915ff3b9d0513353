package io.backplane.provisioning;

import java.io.PrintWriter;
import picocli.CommandLine;

/** Entry point of the {@code backplane} command (launched by the {@code ./backplane} script). */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs one command line and returns its exit code; tests call this directly. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = commandLine();
        cli.setOut(out);
        cli.setErr(err);
        return cli.execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new BackplaneCommand());
        cli.setParameterExceptionHandler((ex, args) -> {
            // Bad usage: the reason, a suggestion when picocli has one, the usage of the command at fault; exit 2.
            CommandLine at = ex.getCommandLine();
            at.getErr().println("backplane: " + ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, at.getErr());
            at.usage(at.getErr());
            return ExitCodes.USAGE;
        });
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            // One clear line, not a stack trace: operators read this. Details go to the log at debug level.
            commandLine.getErr().println("backplane " + commandLine.getCommandName() + ": " + describe(ex));
            org.slf4j.LoggerFactory.getLogger(Main.class).debug("command failed", ex);
            return ExitCodes.FAILURE;
        });
        return cli;
    }

    static String describe(Throwable ex) {
        String msg = ex.getMessage();
        return msg == null || msg.isBlank() ? ex.getClass().getSimpleName() : msg;
    }
}
