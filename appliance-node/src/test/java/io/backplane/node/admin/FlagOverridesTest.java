package io.backplane.node.admin;

import io.backplane.plugin.host.FeatureFlags;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The operator's durable flags: set, read back, applied over the configuration's flags for this node only; damage refused. */
class FlagOverridesTest {
    @TempDir
    Path dir;

    @Test
    void aFlagSetIsReadBackAndDecidesForThisNodeOnly() throws Exception {
        Path f = dir.resolve("admin/flags.json");
        assertThat(FlagOverrides.read(f)).isEmpty();
        FlagOverrides.set(f, "round-robin", false);
        FlagOverrides.set(f, "validator", true);
        assertThat(FlagOverrides.read(f)).containsExactlyInAnyOrderEntriesOf(Map.of("round-robin", false, "validator", true));
        assertThat(Files.getPosixFilePermissions(f).toString()).isEqualTo("[OWNER_READ, OWNER_WRITE]");
        assertThat(FlagOverrides.clear(f, "absent")).isFalse();
        assertThat(FlagOverrides.clear(f, "validator")).isTrue();
        assertThat(FlagOverrides.read(f)).containsExactlyEntriesOf(Map.of("round-robin", false));
        assertThat(FlagOverrides.clear(f, "validator")).isFalse();
        FlagOverrides.set(f, "validator", true);

        FeatureFlags base = FeatureFlags.of(Map.of("round-robin", Set.of()));
        FeatureFlags flags = base.overriddenFor("node0", FlagOverrides.read(f));
        assertThat(flags.enabled("round-robin", "node0")).isFalse();
        assertThat(flags.enabled("round-robin", "node1")).isTrue();
        assertThat(flags.enabled("validator", "node0")).isTrue();
        assertThat(flags.enabled("validator", "node1")).isFalse();
        assertThat(flags.enabled("other", "node0")).isFalse();
        assertThat(FeatureFlags.allOn().overriddenFor("node0", Map.of("x", false)).enabled("x", "node0")).isFalse();
        assertThat(FeatureFlags.allOn().overriddenFor("node0", Map.of("x", false)).enabled("y", "node0")).isTrue();
    }

    @Test
    void aDamagedFileIsRefusedNamingItAndASetLeavesItAsItWas() throws Exception {
        Path f = dir.resolve("flags.json");
        for (String bad : new String[]{"{", "[]", "{\"round-robin\": \"yes\"}", "{\"../etc\": true}", "{\"UPPER\": true}", "null"}) {
            Files.writeString(f, bad);
            assertThatThrownBy(() -> FlagOverrides.read(f)).as(bad).hasMessageContaining(f.toString());
            assertThatThrownBy(() -> FlagOverrides.set(f, "round-robin", true)).as(bad).hasMessageContaining(f.toString());
            assertThatThrownBy(() -> FlagOverrides.clear(f, "round-robin")).as(bad).hasMessageContaining(f.toString());
            assertThat(Files.readString(f)).isEqualTo(bad);
        }
    }
}
