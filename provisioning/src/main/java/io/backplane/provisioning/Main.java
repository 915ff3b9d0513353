package io.backplane.provisioning;

import io.backplane.config.ConfigException;
import java.io.PrintWriter;
import java.io.Writer;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;

/**
 * Entry point of the {@code backplane} command (launched by the {@code ./backplane} script). Everything the commands
 * share about how they meet the operator lives here, once: {@code -h/--help} and {@code help} on every command,
 * the one example each usage ends with ({@link Examples}), and how a failure is shown and which exit code it gets.
 *
 * <p>The output rule: with {@code --json}, stdout holds exactly one JSON document (JSON lines for streams), on
 * failure too ({@code {"error":{"code":N,"message":"..."}}}); without it, errors go to stderr only.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        Interrupts.install(jsonRequested(args));
        int code = run(args, out, err);
        Interrupts.finished();
        System.exit(code);
    }

    /** Runs one command line and returns its exit code; tests call this directly. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        return run(args, out, err, System.getenv());
    }

    /** As {@link #run(String[], PrintWriter, PrintWriter)}, with the environment whose BACKPLANE_* variables are checked. */
    static int run(String[] args, PrintWriter out, PrintWriter err, Map<String, String> env) {
        boolean json = jsonRequested(args);
        Tracking trackedOut = new Tracking(out);
        Tracking trackedErr = new Tracking(err);
        CommandLine cli = commandLine(json, env);
        cli.setOut(trackedOut);
        cli.setErr(trackedErr);
        int code = cli.execute(args);
        if (json && code != ExitCodes.OK && !trackedOut.wrote) {
            // A command that reported its failure on stderr only still owes --json its one document.
            String message = trackedErr.lastLine.isBlank() ? "failed with exit code " + code : trackedErr.lastLine;
            printError(trackedOut, code, message.replaceFirst("^backplane[^:]*: ", ""));
        }
        out.flush();
        err.flush();
        return code;
    }

    static CommandLine commandLine() {
        return commandLine(false, System.getenv());
    }

    private static CommandLine commandLine(boolean json, Map<String, String> env) {
        CommandLine cli = new CommandLine(new BackplaneCommand());
        Examples.install(cli);
        cli.setUsageHelpAutoWidth(true);
        cli.setExecutionStrategy(parseResult -> {
            if (!helpRequested(parseResult)) {
                try {
                    // Every command, not only those that load a config: a mistyped BACKPLANE_* variable is never ignored.
                    io.backplane.config.ConfigLoader.backplane().checkEnvironment(env);
                } catch (ConfigException e) {
                    throw new CommandLine.ExecutionException(parseResult.commandSpec().commandLine(), e.getMessage(), e);
                }
            }
            return new CommandLine.RunLast().execute(parseResult);
        });
        cli.setParameterExceptionHandler((ex, args) -> {
            // Bad usage: the reason, a suggestion when picocli has one, the usage of the command at fault; exit 2.
            CommandLine at = ex.getCommandLine();
            at.getErr().println("backplane: " + ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, at.getErr());
            if (json) {
                printError(at.getOut(), ExitCodes.USAGE, ex.getMessage());
            } else {
                at.usage(at.getErr());
            }
            return ExitCodes.USAGE;
        });
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            // One clear line, not a stack trace: operators read this. Details go to the log at debug level.
            int code = exitCode(ex);
            String message = describe(ex);
            commandLine.getErr().println("backplane " + qualifiedName(commandLine) + ": " + message);
            if (json) {
                printError(commandLine.getOut(), code, message);
            }
            org.slf4j.LoggerFactory.getLogger(Main.class).debug("command failed", ex);
            return code;
        });
        return cli;
    }

    /** The documented exit code of an exception that escaped a command. */
    static int exitCode(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof CommandFailure f) {
                return f.exitCode();
            }
            if (t instanceof io.backplane.plugin.host.PluginRefusedException) {
                return ExitCodes.PLUGIN_ERROR;
            }
            if (t instanceof io.backplane.hsm.DoubleSignRefused) {
                return ExitCodes.REFUSED;
            }
            if (t instanceof InterruptedException) {
                return ExitCodes.INTERRUPTED;
            }
            if (t instanceof ConfigException) {
                return ExitCodes.FAILURE;
            }
        }
        return ExitCodes.FAILURE;
    }

    private static boolean helpRequested(CommandLine.ParseResult r) {
        for (CommandLine.ParseResult p = r; p != null; p = p.subcommand()) {
            if (p.isUsageHelpRequested() || p.isVersionHelpRequested()
                    || p.commandSpec().userObject() instanceof Examples.HelpSubcommand) {
                return true;
            }
        }
        return false;
    }

    /** {@code --json} anywhere before a {@code --} end-of-options marker. */
    static boolean jsonRequested(String[] args) {
        for (String a : args) {
            if (a.equals("--")) {
                return false;
            }
            if (a.equals("--json")) {
                return true;
            }
        }
        return false;
    }

    /** The one shape of a failure under {@code --json}. */
    static void printError(PrintWriter out, int code, String message) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", code);
        error.put("message", message);
        JsonOutput.line(out, Map.of("error", error));
    }

    static String describe(Throwable ex) {
        String msg = ex.getMessage();
        return msg == null || msg.isBlank() ? ex.getClass().getSimpleName() : msg;
    }

    private static String qualifiedName(CommandLine c) {
        return c.getCommandSpec().qualifiedName(" ").replaceFirst("^backplane ?", "");
    }

    /** A writer that remembers whether anything was written, and the last line written. */
    private static final class Tracking extends PrintWriter {
        volatile boolean wrote;
        volatile String lastLine = "";
        private final StringBuilder current = new StringBuilder();

        Tracking(Writer target) {
            super(target, true);
        }

        @Override
        public void write(int c) {
            note(String.valueOf((char) c));
            super.write(c);
        }

        @Override
        public void write(char[] buf, int off, int len) {
            note(new String(buf, off, len));
            super.write(buf, off, len);
        }

        @Override
        public void write(String s, int off, int len) {
            note(s.substring(off, off + len));
            super.write(s, off, len);
        }

        private synchronized void note(String s) {
            if (s.isEmpty()) {
                return;
            }
            wrote = true;
            for (char c : s.toCharArray()) {
                if (c == '\n') {
                    if (!current.toString().isBlank()) {
                        lastLine = current.toString().strip();
                    }
                    current.setLength(0);
                } else if (current.length() < 4096) {
                    current.append(c);
                }
            }
        }
    }
}
