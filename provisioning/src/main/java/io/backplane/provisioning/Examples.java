package io.backplane.provisioning;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The help every command shares, installed once over the whole command tree (so no command class repeats it):
 * {@code -h/--help} on every command and subcommand, a {@code help [COMMAND...]} subcommand on every command that
 * has subcommands, and one worked example at the end of each usage. {@code HelpTest} checks that every command
 * in the tree has its example here, so a new command cannot ship without one.
 */
final class Examples {
    /** One example per command, by its path below {@code backplane}; each runs as written on a home made by the first. */
    static final Map<String, String> BY_COMMAND = Map.ofEntries(
            Map.entry("", "./backplane doctor"),
            Map.entry("version", "./backplane version --json"),
            Map.entry("doctor", "./backplane doctor --json"),
            Map.entry("test", "./backplane test -pl config -am"),
            Map.entry("accel", "echo '{\"msg\":\"616263\"}' | ./backplane accel sha256 --backend cpu --home H"),
            Map.entry("bench", "./backplane bench --ops sha256 --device all --max-point-ms 200 --home H"),
            Map.entry("sim", "./backplane sim --nodes 4 --byzantine 1 --seeds 3 --rounds 40 --json"),
            Map.entry("keys", "./backplane keys init-token --home H"),
            Map.entry("keys init-token", "./backplane keys init-token --home H --json"),
            Map.entry("keys list", "./backplane keys list --home H --json"),
            Map.entry("keys gen-identity", "./backplane keys gen-identity --home H"),
            Map.entry("keys gen-bls", "./backplane keys gen-bls --home H --json"),
            Map.entry("keys import-bls", "./backplane keys import-bls --home H --secret-file SECRET.hex"),
            Map.entry("keys export", "./backplane keys export --home H --key ID --out KEY.json"),
            Map.entry("keys sign", "./backplane keys sign --home H --key ID --epoch 1 --round 7 --kind vote --msg 0a0b"),
            Map.entry("keys guard-export", "./backplane keys guard-export --home H --key ID --out GUARD.json"),
            Map.entry("keys guard-import", "./backplane keys guard-import --home H --in GUARD.json"),
            Map.entry("keys audit-verify", "./backplane keys audit-verify --home H --json"),
            Map.entry("plugins", "./backplane plugins list --home H"),
            Map.entry("plugins verify", "./backplane plugins verify --home H --jar J --manifest M --json"),
            Map.entry("plugins call", "./backplane plugins call --home H --jar J --manifest M --kind leader-election --input in.json"),
            Map.entry("plugins list", "./backplane plugins list --home H --json"),
            Map.entry("plugins attest", "./backplane plugins attest --home H --jar J --manifest M --out R"),
            Map.entry("plugins keygen", "./backplane plugins keygen --key-id alice --out KEYS"),
            Map.entry("plugins manifest", "./backplane plugins manifest --jar J --id round-robin --plugin-version 1.0.0 --kind leader-election"
                    + " --entry-class io.backplane.plugin.samples.RoundRobinLeaderElection --key KEYS/alice.key --key-id alice --out M"),
            Map.entry("plugins trust", "./backplane plugins trust --home H --key-id alice --public-key KEYS/alice.pub --role author"),
            Map.entry("plugins upload", "./backplane plugins upload --home H --jar J --manifest M --as alice --key KEYS/alice.key"),
            Map.entry("plugins approve", "./backplane plugins approve --home H round-robin 1.0.0 --as bob --key KEYS/bob.key"),
            Map.entry("plugins activate", "./backplane plugins activate --home H round-robin 1.0.0 --epoch 2 --current-epoch 1 --as bob"),
            Map.entry("plugins epoch", "./backplane plugins epoch --home H 2 --as consensus"),
            Map.entry("plugins veto", "./backplane plugins veto --home H round-robin 1.0.0 --as bob"),
            Map.entry("plugins rollback", "./backplane plugins rollback --home H round-robin --as bob"),
            Map.entry("plugins retire", "./backplane plugins retire --home H round-robin 1.0.0 --as bob"),
            Map.entry("plugins audit-verify", "./backplane plugins audit-verify --home H --json"),
            Map.entry("up", "./backplane up --nodes 4 --duration 60s --tx-rate max --json"),
            Map.entry("node", "./backplane node init --home H --id node0 --listen 127.0.0.1:7100 --client 127.0.0.1:7200"),
            Map.entry("node init", "./backplane node init --home H --id node0 --listen 127.0.0.1:7100 --client 127.0.0.1:7200 --json"),
            Map.entry("node run", "./backplane node run --home H --genesis genesis.json"),
            Map.entry("genesis", "./backplane genesis --validator H/validator.json --governance-key GOV.hex --governance-threshold 1 --out genesis.json"),
            Map.entry("node token", "./backplane node token --home ~/.backplane/node0 --name dave --roles approver --out dave.token"),
            Map.entry("node admin-cert", "./backplane node admin-cert --home ~/.backplane/node0 --name erin --roles auditor --out certs"),
            Map.entry("apply", "./backplane apply -f box.yaml --dry-run"),
            Map.entry("ctl", "./backplane ctl status"),
            Map.entry("ctl status", "./backplane ctl status --node node1 --json"),
            Map.entry("ctl health", "./backplane ctl health --context ~/.backplane/cluster/context.json"),
            Map.entry("ctl keys", "./backplane ctl keys --guard-history --json"),
            Map.entry("ctl plugins", "./backplane ctl plugins --json"),
            Map.entry("ctl plugins upload", "./backplane ctl plugins upload --jar kary.jar --manifest kary.manifest.json --key keys/carol.key --node node0"),
            Map.entry("ctl plugins approve", "./backplane ctl plugins approve kary-tree 1.0.0 --jar kary.jar --key keys/dave.key"),
            Map.entry("ctl plugins veto", "./backplane ctl plugins veto kary-tree 1.0.0 --json"),
            Map.entry("ctl plugins retire", "./backplane ctl plugins retire kary-tree 1.0.0"),
            Map.entry("ctl keys export", "./backplane ctl keys export bls-0123456789abcdef --out bls.export.json"),
            Map.entry("ctl keys import", "./backplane ctl keys import bls.export.json --node node1"),
            Map.entry("ctl flags", "./backplane ctl flags round-robin on"),
            Map.entry("ctl bench", "./backplane ctl bench --ops sha256,merkle --max-point-ms 100 --wait --json"),
            Map.entry("ctl audit", "./backplane ctl audit --from 0 --limit 20 --json"),
            Map.entry("tx", "./backplane tx keygen --out alice.key"),
            Map.entry("tx keygen", "./backplane tx keygen --out alice.key --json"),
            Map.entry("tx put", "./backplane tx put --node 127.0.0.1:7200 --key-file alice.key --key color --value blue"),
            Map.entry("tx delete", "./backplane tx delete --node 127.0.0.1:7200 --key-file alice.key --key color"),
            Map.entry("tx transfer", "./backplane tx transfer --node 127.0.0.1:7200 --key-file alice.key --to PUBKEY --amount 5"),
            Map.entry("tx status", "./backplane tx status --node 127.0.0.1:7200 --hash HASH --json"),
            Map.entry("tx get", "./backplane tx get --node 127.0.0.1:7200 --key-file alice.key --key color --json"));

    private Examples() {
    }

    /** Adds help options, help subcommands and the example footer to {@code root} and every command below it. */
    static void install(CommandLine root) {
        for (CommandLine c : tree(root)) {
            CommandSpec spec = c.getCommandSpec();
            if (spec.userObject() instanceof HelpSubcommand) {
                continue;
            }
            if (spec.optionsMap().get("--help") == null) {
                spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true)
                        .description("Show this help (flags and an example) and exit.").build());
            }
            if (!c.getSubcommands().isEmpty() && !c.getSubcommands().containsKey("help")) {
                c.addSubcommand("help", new HelpSubcommand());
            }
            String example = BY_COMMAND.get(path(c));
            List<String> footer = new ArrayList<>(List.of(spec.usageMessage().footer()));
            if (example != null) {
                footer.add("");
                footer.add("Example:");
                footer.addAll(wrap(example));
            }
            if (c == root) {
                footer.add("");
                footer.addAll(List.of(ExitCodes.TABLE));
                footer.addAll(List.of("", "Help on any command: backplane COMMAND --help, or backplane help COMMAND [SUBCOMMAND]."));
            }
            spec.usageMessage().footer(footer.toArray(String[]::new));
        }
    }

    /** Shell lines of at most 78 characters, continued with {@code \\}, so the example pastes as it is printed. */
    static List<String> wrap(String example) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder("  ");
        for (String word : example.split(" ")) {
            if (line.length() > 4 && line.length() + word.length() + 3 > 78) {
                lines.add(line + " \\");
                line = new StringBuilder("      ");
            } else if (line.length() > 2 && !line.toString().isBlank()) {
                line.append(' ');
            }
            line.append(word);
        }
        lines.add(line.toString());
        return lines;
    }

    /**
     * {@code help [COMMAND [SUBCOMMAND...]]}: the usage of the command named by the path below this one (picocli's
     * own {@code HelpCommand} looks one level down only, so {@code backplane help keys sign} would show {@code keys}).
     */
    @CommandLine.Command(name = "help", helpCommand = true, description = "Show the help of a command: help [COMMAND [SUBCOMMAND]].")
    static final class HelpSubcommand implements Runnable {
        @CommandLine.Spec
        CommandSpec spec;

        @CommandLine.Parameters(arity = "0..*", paramLabel = "COMMAND", description = "The command (and subcommand) to show help for.")
        List<String> path = new ArrayList<>();

        @Override
        public void run() {
            CommandLine at = spec.commandLine().getParent();
            for (String name : path) {
                CommandLine next = at.getSubcommands().get(name);
                if (next == null) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "unknown command '" + name + "' under '"
                            + at.getCommandSpec().qualifiedName(" ") + "' (known: " + String.join(", ", at.getSubcommands().keySet()) + ")");
                }
                at = next;
            }
            at.usage(spec.commandLine().getOut());
        }
    }

    /** The command's path below {@code backplane}: "" for the root, "keys sign" for a subcommand. */
    static String path(CommandLine c) {
        return c.getCommandSpec().qualifiedName(" ").replaceFirst("^backplane ?", "");
    }

    static List<CommandLine> tree(CommandLine root) {
        List<CommandLine> all = new ArrayList<>();
        List<CommandLine> todo = new ArrayList<>(List.of(root));
        while (!todo.isEmpty()) {
            CommandLine c = todo.remove(0);
            all.add(c);
            todo.addAll(c.getSubcommands().values());
        }
        return all;
    }
}
