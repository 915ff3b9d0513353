package io.backplane.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code -h}, {@code --help} and {@code help} on every command of the tree, each with its flags and one example. */
class HelpTest {
    private static List<CommandLine> commands() {
        List<CommandLine> all = new ArrayList<>();
        for (CommandLine c : Examples.tree(Main.commandLine())) {
            if (!(c.getCommandSpec().userObject() instanceof Examples.HelpSubcommand)) {
                all.add(c);
            }
        }
        return all;
    }

    @Test
    void everyCommandAndSubcommandHasHelpWithItsFlagsAndAnExample() {
        List<CommandLine> commands = commands();
        assertThat(commands).hasSizeGreaterThan(30);
        for (CommandLine c : commands) {
            String path = Examples.path(c);
            List<String> args = new ArrayList<>(path.isEmpty() ? List.of() : List.of(path.split(" ")));
            for (String flag : List.of("--help", "-h")) {
                List<String> line = new ArrayList<>(args);
                line.add(flag);
                InProcessCli.Result r = InProcessCli.run(line.toArray(String[]::new));
                assertThat(r.code()).as("%s %s: %s", path, flag, r.err()).isZero();
                assertThat(r.out()).as(path).contains("Usage: backplane" + (path.isEmpty() ? "" : " " + path))
                        .contains("Example:").contains(firstWords(Examples.BY_COMMAND.get(path)));
                // Every flag of the command is listed.
                c.getCommandSpec().options().forEach(o -> assertThat(r.out()).as(path).contains(o.longestName()));
            }
            List<String> help = new ArrayList<>(List.of("help"));
            help.addAll(args);
            InProcessCli.Result viaHelp = InProcessCli.run(help.toArray(String[]::new));
            assertThat(viaHelp.code()).as(path).isZero();
            assertThat(viaHelp.out()).as(path).startsWith("Usage: backplane" + (path.isEmpty() ? "" : " " + path));
        }
    }

    private static String firstWords(String example) {
        String[] w = example.substring(example.indexOf("./backplane")).split(" ");
        return w[0] + " " + w[1];
    }

    @Test
    void everyCommandHasExactlyOneExampleAndEveryExampleNamesARealCommand() {
        List<String> paths = commands().stream().map(Examples::path).toList();
        assertThat(Examples.BY_COMMAND.keySet()).containsExactlyInAnyOrderElementsOf(paths);
        for (String path : paths) {
            String example = Examples.BY_COMMAND.get(path);
            String[] words = example.substring(example.indexOf("./backplane")).split(" ");
            // The example parses as a command line of that command (flags exist, required ones given).
            CommandLine cli = Main.commandLine();
            CommandLine.ParseResult parsed = cli.parseArgs(java.util.Arrays.copyOfRange(words, 1, words.length));
            CommandLine.ParseResult leaf = parsed;
            while (leaf.hasSubcommand()) {
                leaf = leaf.subcommand();
            }
            if (!path.isEmpty() && !java.util.Set.of("keys", "plugins", "node", "tx", "ctl").contains(path)) { // groups show a subcommand
                assertThat(Examples.path(leaf.commandSpec().commandLine())).as(example).isEqualTo(path);
            }
        }
    }

    @Test
    void theTopLevelUsageListsEveryCommandWithAWholeSentenceAndTheExitCodes() {
        InProcessCli.Result r = InProcessCli.run("--help");
        for (CommandLine c : Main.commandLine().getSubcommands().values()) {
            String first = c.getCommandSpec().usageMessage().description()[0];
            assertThat(first).as(c.getCommandName() + "'s first description line is what the command list shows")
                    .matches(".*[.)]$");
        }
        assertThat(r.out()).containsPattern("accel    Run a crypto operation over JSON lines, one answer line per input\\s+line\\.");
        for (String row : ExitCodes.TABLE) {
            assertThat(r.out()).contains(row.strip());
        }
        assertThat(InProcessCli.run("help", "keys", "nope").code()).isEqualTo(ExitCodes.USAGE);
    }
}
