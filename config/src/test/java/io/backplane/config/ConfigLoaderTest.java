package io.backplane.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    private final ConfigLoader loader = ConfigLoader.backplane();

    @TempDir
    Path dir;

    private Path yaml(String text) throws IOException {
        Path f = dir.resolve("config.yaml");
        Files.writeString(f, text);
        return f;
    }

    @Test
    void defaultsApplyWithoutAFile() {
        BackplaneConfig c = loader.load(null, Map.of(), List.of());
        assertThat(c.node().id()).isEqualTo("node0");
        assertThat(c.accel().device()).isEqualTo("auto");
        assertThat(c.hsm().tokenLabel()).isEqualTo("backplane");
    }

    @Test
    void fileOverridesDefaultsAndKeepsTheRest() throws IOException {
        BackplaneConfig c = loader.load(yaml("node:\n  id: n7\naccel:\n  device: cpu\n"), Map.of(), List.of());
        assertThat(c.node().id()).isEqualTo("n7");
        assertThat(c.accel().device()).isEqualTo("cpu");
        assertThat(c.hsm().tokenLabel()).isEqualTo("backplane");
    }

    @Test
    void environmentOverridesFileAndSetOverridesEnvironment() throws IOException {
        Path f = yaml("accel:\n  device: cpu\n");
        Map<String, String> env = Map.of("BACKPLANE_ACCEL_DEVICE", "opencl:0", "BACKPLANE_HOME", "/ignored", "BACKPLANE_NODE_ID", "envnode");
        BackplaneConfig fromEnv = loader.load(f, env, List.of());
        assertThat(fromEnv.accel().device()).isEqualTo("opencl:0");
        assertThat(fromEnv.node().id()).isEqualTo("envnode");
        BackplaneConfig fromSet = loader.load(f, env, List.of("accel.device=opencl:pthread"));
        assertThat(fromSet.accel().device()).isEqualTo("opencl:pthread");
    }

    @Test
    void envNameUpperCasesAndBreaksWordsAtDotsDashesAndCamelCase() {
        assertThat(ConfigLoader.envName("hsm.tokenLabel")).isEqualTo("BACKPLANE_HSM_TOKEN_LABEL");
        assertThat(ConfigLoader.envName("plugins.callDeadlineMs")).isEqualTo("BACKPLANE_PLUGINS_CALL_DEADLINE_MS");
        assertThat(ConfigLoader.envName("accel.device")).isEqualTo("BACKPLANE_ACCEL_DEVICE");
        assertThat(loader.load(null, Map.of("BACKPLANE_HSM_TOKEN_LABEL", "t2"), List.of()).hsm().tokenLabel()).isEqualTo("t2");
    }

    @Test
    void aBackplaneVariableThatNamesNoKeyIsRefusedNamingTheClosest() {
        assertThatThrownBy(() -> loader.load(null, Map.of("BACKPLANE_ACCEL_DEVISE", "cpu"), List.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("BACKPLANE_ACCEL_DEVISE names no config key")
                .hasMessageContaining("did you mean BACKPLANE_ACCEL_DEVICE?");
        // The old run-together spelling of a camelCase key points at the new one.
        assertThatThrownBy(() -> loader.load(null, Map.of("BACKPLANE_PLUGINS_CALLDEADLINEMS", "750"), List.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("did you mean BACKPLANE_PLUGINS_CALL_DEADLINE_MS?");
        // Variables that are not keys are listed once and accepted; others' variables are not ours to judge.
        Map<String, String> fine = new java.util.HashMap<>();
        ConfigLoader.NON_CONFIG_VARIABLES.keySet().forEach(k -> fine.put(k, "x"));
        fine.put("BACKPLANE_LOG_LEVEL", "info");
        fine.put("PATH", "/bin");
        assertThat(loader.load(null, fine, List.of()).accel().device()).isEqualTo("auto");
    }

    @Test
    void aLogLevelThatIsNoLevelIsRefused() {
        assertThatThrownBy(() -> loader.checkEnvironment(Map.of("BACKPLANE_LOG_LEVEL", "LOUD")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("BACKPLANE_LOG_LEVEL: 'LOUD' is not a level");
        loader.checkEnvironment(Map.of("BACKPLANE_LOG_LEVEL", "debug"));
    }

    @Test
    void aDuplicateKeyAndADirectoryAsTheFileAreRefused() throws IOException {
        Path dup = yaml("accel:\n  device: cpu\n  device: opencl\n");
        assertThatThrownBy(() -> loader.load(dup, Map.of(), List.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(dup.toString()).hasMessageContaining("device");
        Path dupSection = yaml("accel:\n  device: cpu\naccel:\n  device: opencl\n");
        assertThatThrownBy(() -> loader.load(dupSection, Map.of(), List.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("accel");
        Path asDir = Files.createDirectories(dir.resolve("d/config.yaml"));
        assertThatThrownBy(() -> loader.load(asDir, Map.of(), List.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("is a directory");
    }

    @Test
    void unknownKeyInFileIsRefusedByName() throws IOException {
        Path f = yaml("accel:\n  devise: cpu\n");
        assertThatThrownBy(() -> loader.load(f, Map.of(), List.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("config key `accel.devise`")
                .hasMessageContaining("unknown");
    }

    @Test
    void unknownKeyInSetIsRefusedByName() {
        assertThatThrownBy(() -> loader.load(null, Map.of(), List.of("node.name=x")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("config key `node.name`");
        assertThatThrownBy(() -> loader.load(null, Map.of(), List.of("accel.device.sub=x")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("`accel.device` is a value");
    }

    @Test
    void badValueIsRefusedNamingTheKey() {
        assertThatThrownBy(() -> loader.load(null, Map.of(), List.of("accel.device=gpu")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("config key `accel.device`")
                .hasMessageContaining("got 'gpu'");
        assertThatThrownBy(() -> loader.load(null, Map.of("BACKPLANE_NODE_ID", "Bad Id"), List.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("config key `node.id`");
    }

    @Test
    void mappingWhereAValueBelongsIsRefused() throws IOException {
        Path f = yaml("node:\n  id:\n    nested: 1\n");
        assertThatThrownBy(() -> loader.load(f, Map.of(), List.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("config key `node.id`");
    }

    @Test
    void malformedYamlAndMissingFileAreClearErrors() throws IOException {
        Path f = yaml("node: [unclosed\n");
        assertThatThrownBy(() -> loader.load(f, Map.of(), List.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("not valid YAML");
        assertThatThrownBy(() -> loader.load(dir.resolve("nope.yaml"), Map.of(), List.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("does not exist");
        assertThatThrownBy(() -> loader.load(null, Map.of(), List.of("novalue")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("key=value");
    }

    @Test
    void describesEveryKnownKey() {
        assertThat(loader.describeDefaults()).containsKeys("node.id", "accel.device", "hsm.library", "hsm.tokenLabel", "hsm.pinFile");
    }
}
