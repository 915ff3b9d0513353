package io.backplane.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@code plugins.*}: defaults, overrides, feature flags, and every bad value naming its key. */
class PluginsConfigTest {
    private final ConfigLoader loader = ConfigLoader.backplane();

    private PluginsSection load(String... sets) {
        return loader.load(null, Map.of(), List.of(sets)).plugins();
    }

    @Test
    void defaultsMatchTheEnclaveDefaults() {
        PluginsSection p = load();
        assertThat(p).isEqualTo(new PluginsSection(0, 2000, 64, 2048, 600, false, List.of("*")));
        assertThat(p.allEnabled()).isTrue();
        assertThat(loader.describeDefaults()).containsKeys("plugins.dualExecutionEvery", "plugins.callDeadlineMs", "plugins.heapMb",
                "plugins.addressSpaceMb", "plugins.cpuSeconds", "plugins.allowWeakSandbox", "plugins.enabled");
    }

    @Test
    void overridesFromSetAndEnvironmentAndFeatureFlagsPerPluginAndNode() {
        PluginsSection p = loader.load(null, Map.of("BACKPLANE_PLUGINS_CALL_DEADLINE_MS", "750"),
                List.of("plugins.dualExecutionEvery=10", "plugins.allowWeakSandbox=true", "plugins.enabled=round-robin,kary-tree@node1+node2,kary-tree@node3")).plugins();
        assertThat(p.callDeadlineMs()).isEqualTo(750);
        assertThat(p.dualExecutionEvery()).isEqualTo(10);
        assertThat(p.allowWeakSandbox()).isTrue();
        assertThat(p.allEnabled()).isFalse();
        assertThat(p.enabledByPlugin()).isEqualTo(Map.of("round-robin", Set.of(), "kary-tree", Set.of("node1", "node2", "node3")));
        assertThat(load("plugins.enabled=").enabledByPlugin()).isEmpty();
        assertThat(load("plugins.enabled=kary-tree@node1,kary-tree").enabledByPlugin()).isEqualTo(Map.of("kary-tree", Set.of()));
    }

    @Test
    void everyBadValueNamesItsKey() {
        assertThatThrownBy(() -> load("plugins.callDeadlineMs=0")).isInstanceOf(ConfigException.class)
                .hasMessage("config key `plugins.callDeadlineMs`: must be 1 to 600000, got 0");
        assertThatThrownBy(() -> load("plugins.callDeadlineMs=soon")).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("config key `plugins.callDeadlineMs`");
        assertThatThrownBy(() -> load("plugins.dualExecutionEvery=-1")).hasMessageStartingWith("config key `plugins.dualExecutionEvery`");
        assertThatThrownBy(() -> load("plugins.heapMb=8")).hasMessageStartingWith("config key `plugins.heapMb`");
        assertThatThrownBy(() -> load("plugins.cpuSeconds=0")).hasMessageStartingWith("config key `plugins.cpuSeconds`");
        assertThatThrownBy(() -> load("plugins.heapMb=1024", "plugins.addressSpaceMb=1500"))
                .hasMessage("config key `plugins.addressSpaceMb`: must be more than plugins.heapMb + 512 (1536) and at most 65536, got 1500");
        assertThatThrownBy(() -> load("plugins.allowWeakSandbox=maybe")).hasMessageStartingWith("config key `plugins.allowWeakSandbox`");
        assertThatThrownBy(() -> load("plugins.enabled=kary tree")).hasMessageStartingWith("config key `plugins.enabled`");
        assertThatThrownBy(() -> load("plugins.enabled=kary@Node1")).hasMessageStartingWith("config key `plugins.enabled`");
        assertThatThrownBy(() -> load("plugins.sandbox=off")).hasMessageContaining("config key `plugins.sandbox`").hasMessageContaining("unknown");
    }
}
