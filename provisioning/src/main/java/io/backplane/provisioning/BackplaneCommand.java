package io.backplane.provisioning;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The top-level {@code backplane} command; with no subcommand it prints usage and exits 2. Help options, the
 * {@code help} subcommand, examples and the exit-code footer are added to the whole tree by {@link Examples}.
 */
@Command(name = "backplane",
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
                NodeGroupCommand.class,
                GenesisCommand.class,
                TxCommand.class,
                UpCommand.class,
                CtlCommand.class,
                ApplyCommand.class,
        })
public final class BackplaneCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw missingSubcommand(spec);
    }

    /** A command group run without its subcommand: bad usage (exit 2), rendered by Main with the group's usage. */
    static picocli.CommandLine.ParameterException missingSubcommand(CommandSpec group) {
        return new picocli.CommandLine.ParameterException(group.commandLine(), "missing a command: one of "
                + String.join(", ", group.commandLine().getSubcommands().keySet()));
    }
}
