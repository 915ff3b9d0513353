package io.backplane.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeHomeTest {
    @TempDir
    Path tmp;

    @Test
    void flagWinsOverEnvironmentWhichWinsOverUserHome() {
        Path user = tmp.resolve("user");
        assertThat(NodeHome.resolve(tmp.resolve("flag"), "n1", Map.of(NodeHome.ENV, "/env"), user).dir())
                .isEqualTo(tmp.resolve("flag"));
        assertThat(NodeHome.resolve(null, "n1", Map.of(NodeHome.ENV, tmp.resolve("env").toString()), user).dir())
                .isEqualTo(tmp.resolve("env"));
        assertThat(NodeHome.resolve(null, "n1", Map.of(), user).dir())
                .isEqualTo(user.resolve(".backplane").resolve("n1"));
    }

    @Test
    void tildeIsTheShellsHomeNotTheAccountsAndAnEmptyHomeIsRefused() {
        Path user = tmp.resolve("account");
        Map<String, String> env = Map.of("HOME", tmp.resolve("shell").toString());
        assertThat(NodeHome.resolve(Path.of("~/h"), "n1", env, user).dir()).isEqualTo(tmp.resolve("shell/h"));
        assertThat(NodeHome.resolve(null, "n1", Map.of("HOME", tmp.resolve("shell").toString(), NodeHome.ENV, "~/e"), user).dir())
                .isEqualTo(tmp.resolve("shell/e"));
        assertThat(NodeHome.resolve(null, "n1", env, user).dir()).isEqualTo(tmp.resolve("shell/.backplane/n1"));
        assertThat(NodeHome.resolve(null, "n1", Map.of(), user).dir()).isEqualTo(user.resolve(".backplane/n1"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> NodeHome.resolve(Path.of(""), "n1", env, user))
                .isInstanceOf(ConfigException.class).hasMessageContaining("--home is empty");
    }

    @Test
    void createsADirectoryOnlyItsOwnerCanListOrWrite() throws Exception {
        NodeHome home = new NodeHome(tmp.resolve("a/b")).ensureExists().ensureExists();
        assertThat(home.dir()).isDirectory();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.dir()))).isEqualTo("rwx--x--x");
        assertThat(home.configFile()).isEqualTo(home.dir().resolve("config.yaml"));
    }
}
