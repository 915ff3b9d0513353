package io.backplane.provisioning;

import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** What a subcommand that touches a node shares: its picocli spec, {@code --home/--node/--set} and {@code --json}. */
abstract class NodeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    HomeOption home;

    @Mixin
    JsonOutput json;
}
