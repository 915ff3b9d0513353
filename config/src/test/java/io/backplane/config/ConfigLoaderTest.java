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
    void envNameUpperCasesAndReplacesDots() {
        assertThat(ConfigLoader.envName("hsm.tokenLabel")).isEqualTo("BACKPLANE_HSM_TOKENLABEL");
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
