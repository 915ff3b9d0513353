package io.backplane.provisioning.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The box file: every problem names the file, the line and the key; nothing outside the format is accepted. */
class BoxFileTest {
    @TempDir
    Path dir;

    @Test
    void aGoodFileIsReadWithTheLineOfEveryKey() throws Exception {
        Path f = dir.resolve("box.yaml");
        Files.writeString(f, """
                # a rack box
                node: node0
                chain: backplane-local
                keys:
                  identity: present
                  bls: 2
                flags:
                  round-robin: on
                  validator: false
                """);
        BoxFile b = BoxFile.read(f);
        assertThat(b.node()).isEqualTo(new BoxFile.At<>("node0", 2, "node"));
        assertThat(b.chain().value()).isEqualTo("backplane-local");
        assertThat(b.identity()).isEqualTo(new BoxFile.At<>(true, 5, "keys.identity"));
        assertThat(b.bls()).isEqualTo(new BoxFile.At<>(2, 6, "keys.bls"));
        assertThat(b.flags().line()).isEqualTo(7);
        assertThat(b.flags().value()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "round-robin", new BoxFile.At<>(true, 8, "flags.round-robin"), "validator", new BoxFile.At<>(false, 9, "flags.validator")));

        BoxFile minimal = BoxFile.parse("m.yaml", "node: node1\n");
        assertThat(minimal.chain()).isNull();
        assertThat(minimal.bls()).isNull();
        assertThat(minimal.flags()).as("no flags: key, flags left alone").isNull();
        assertThat(BoxFile.parse("e.yaml", "node: node1\nflags: {}\n").flags().value()).isEmpty();
    }

    @Test
    void everyBadFileIsNamedByLineAndKey() {
        record Case(String text, String says) {
        }
        for (Case c : List.of(
                new Case("", "b.yaml: empty"),
                new Case("# only a comment\n", "b.yaml: empty"),
                new Case("node: [node0\n", "b.yaml:2: not YAML"),
                new Case("- node0\n", "b.yaml:1: the file: must be a mapping"),
                new Case("chain: c\n", "b.yaml:1: node: missing"),
                new Case("node: node0\nnode: node1\n", "b.yaml:2: node: given twice"),
                new Case("node: node0\npeers: [a, b]\n", "b.yaml:2: peers: unknown key (top-level keys: chain, flags, keys, node, plugins)"),
                new Case("node: ../etc\n", "b.yaml:1: node: must be a node id"),
                new Case("node: [a]\n", "b.yaml:1: node: must be a single value"),
                new Case("node: node0\nkeys: 2\n", "b.yaml:2: keys: must be a mapping"),
                new Case("node: node0\nkeys:\n  bls: two\n", "b.yaml:3: keys.bls: must be a whole number from 0 to 64"),
                new Case("node: node0\nkeys:\n  bls: -1\n", "b.yaml:3: keys.bls: must be a whole number"),
                new Case("node: node0\nkeys:\n  bls: 65\n", "b.yaml:3: keys.bls: must be a whole number"),
                new Case("node: node0\nkeys:\n  bls: 2.5\n", "b.yaml:3: keys.bls: must be a whole number"),
                new Case("node: node0\nkeys:\n  identity: new\n", "b.yaml:3: keys.identity: must be 'present'"),
                new Case("node: node0\nkeys:\n  ed25519: 1\n", "b.yaml:3: keys.ed25519: unknown key (keys keys: bls, identity)"),
                new Case("node: node0\nkeys:\n  bls: 1\n  bls: 2\n", "b.yaml:4: keys.bls: given twice"),
                new Case("node: node0\nflags:\n  round-robin: yes\n", "b.yaml:3: flags.round-robin: must be on or off, got 'yes'"),
                new Case("node: node0\nflags:\n  Round-Robin: on\n", "b.yaml:3: flags.Round-Robin: not a plugin id"),
                new Case("node: node0\nflags:\n  ../x: on\n", "b.yaml:3: flags.../x: not a plugin id"),
                new Case("node: node0\nflags:\n  a: {on: true}\n", "b.yaml:3: flags.a: must be a single value"),
                new Case("node: node0\nflags: [a]\n", "b.yaml:2: flags: must be a mapping"),
                new Case("node: node0\nplugins:\n  kary-tree:\n    state: retired\n", "b.yaml:3: plugins.kary-tree.version: missing"),
                new Case("node: node0\nplugins:\n  kary-tree:\n    version: 1.0.0\n    state: approved\n",
                        "b.yaml:5: plugins.kary-tree.state: must be present or retired, got 'approved' (approval and activation are a second person's steps"),
                new Case("node: node0\nplugins:\n  kary-tree:\n    version: 1.0.0\n    jar: k.jar\n    manifest: m.json\n",
                        "b.yaml:3: plugins.kary-tree.key: missing"),
                new Case("node: node0\nplugins:\n  kary-tree:\n    version: ../1\n    state: retired\n", "b.yaml:4: plugins.kary-tree.version: must be a plugin version"),
                new Case("node: node0\nplugins:\n  Kary:\n    version: 1.0.0\n", "b.yaml:3: plugins.Kary: not a plugin id"),
                new Case("node: node0\nplugins:\n  kary-tree:\n    version: 1.0.0\n    state: retired\n    approver: me\n",
                        "b.yaml:6: plugins.kary-tree.approver: unknown key"),
                new Case("node: node0\nkeys: &k {bls: 1}\nflags: *k\n", "b.yaml: not YAML: Number of aliases for non-scalar nodes exceeds"),
                new Case("node: node0\nflags:\n", "b.yaml:2: flags: empty; to remove every flag set on the node write 'flags: {}'"),
                new Case("node: node0\n---\nnode: node1\n", "b.yaml:2: not YAML: but found another document"),
                new Case("? [a]\n: b\nnode: node0\n", "b.yaml:1: the file: a key must be plain text"),
                new Case("node: !!python/object:os.system node0\n", "b.yaml:1: not YAML: Global tag is not allowed"),
                new Case("node: !!binary bm9kZTA=\n", "b.yaml:1: node: must be a plain value, not tagged"),
                new Case("node: node0\nflags:\n  a: !custom on\n", "b.yaml:3: flags.a: must be a plain value"))) {
            try {
                BoxFile.parse("b.yaml", c.text());
                org.junit.jupiter.api.Assertions.fail("accepted: " + c.text());
            } catch (BoxFile.Invalid e) {
                assertThat(e.getMessage()).as(c.text()).contains(c.says());
            }
        }
    }

    @Test
    void aFileThatIsNotTextOrNotThereIsNamed() throws Exception {
        assertThatThrownBy(() -> BoxFile.read(dir.resolve("missing.yaml"))).hasMessageContaining("missing.yaml: no such file");
        Path bin = dir.resolve("bin.yaml");
        Files.write(bin, new byte[]{'n', 'o', 'd', 'e', ':', ' ', (byte) 0xff, (byte) 0xfe, '\n'});
        assertThatThrownBy(() -> BoxFile.read(bin)).hasMessageContaining("bin.yaml: not UTF-8 text");
        Path big = dir.resolve("big.yaml");
        Files.writeString(big, "node: node0\n" + "#".repeat(1 << 20) + "\n");
        assertThatThrownBy(() -> BoxFile.read(big)).hasMessageContaining("big.yaml: larger than");
        assertThatThrownBy(() -> BoxFile.read(dir)).hasMessageContaining("no such file");
    }
}
