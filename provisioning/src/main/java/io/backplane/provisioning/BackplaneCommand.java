package io.backplane.provisioning;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The top-level {@code backplane} command; with no subcommand it prints usage and exits 2. */
@Command(name = "backplane",
        mixinStandardHelpOptions = false,
        description = "Backplane validator appliance.",
        subcommands = {
                VersionCommand.class,
                DoctorCommand.class,
                TestCommand.class,
                AccelCommand.class,
                BenchCommand.class,
                PluginsCommand.class,
                SimCommand.class,
                KeysCommand.class,
        },
        footer = {"", "Exit codes: 0 ok, 1 failure, 2 usage, 3 signing refused, 4 plugin error."})
public final class BackplaneCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.USAGE;
    }
}
