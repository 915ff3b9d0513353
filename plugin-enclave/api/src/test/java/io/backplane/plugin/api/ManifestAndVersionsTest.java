package io.backplane.plugin.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ManifestAndVersionsTest {
    private static final String SHA = "ab".repeat(32);

    private static PluginManifest manifest(String id, String version, String api, List<String> kinds) {
        return new PluginManifest(1, id, version, api, kinds, "org.example.Plugin", SHA, "alice", "c2ln");
    }

    @Test
    void aWellFormedManifestHasNoProblems() {
        assertThat(manifest("round-robin", "1.2.3", "[1.0,2.0)", List.of("leader-election")).problems()).isEmpty();
    }

    @Test
    void everyBadFieldIsNamed() {
        PluginManifest m = new PluginManifest(2, "Bad Id", "1.2", "1.0", List.of("leader-election", "teleport"), "9bad", "xyz", "", "");
        assertThat(m.problems()).hasSize(9).anySatisfy(p -> assertThat(p).startsWith("schema:"))
                .anySatisfy(p -> assertThat(p).startsWith("id:")).anySatisfy(p -> assertThat(p).startsWith("version:"))
                .anySatisfy(p -> assertThat(p).startsWith("apiVersion:")).anySatisfy(p -> assertThat(p).contains("unknown plugin kind 'teleport'"))
                .anySatisfy(p -> assertThat(p).startsWith("entryClass:")).anySatisfy(p -> assertThat(p).startsWith("jarSha256:"))
                .anySatisfy(p -> assertThat(p).startsWith("authorKeyId:")).anySatisfy(p -> assertThat(p).startsWith("signature:"));
    }

    @Test
    void refusesAPluginBuiltForAnotherApiWithBothVersionsInTheMessage() {
        PluginManifest m = manifest("future", "3.0.0", "[2.0,3.0)", List.of("routing"));
        assertThatThrownBy(() -> m.checkCompatible(new ApiVersion(1, 0)))
                .isInstanceOf(IncompatiblePluginException.class)
                .hasMessage("plugin future 3.0.0 needs plugin API [2.0,3.0) but this host implements 1.0");
        m.checkCompatible(new ApiVersion(2, 5));
    }

    @Test
    void rangesHonourTheirBrackets() {
        VersionRange r = VersionRange.parse("(1.0,1.2]");
        assertThat(r.contains(ApiVersion.parse("1.0"))).isFalse();
        assertThat(r.contains(ApiVersion.parse("1.1"))).isTrue();
        assertThat(r.contains(ApiVersion.parse("1.2"))).isTrue();
        assertThat(r.contains(ApiVersion.parse("1.3"))).isFalse();
        assertThatThrownBy(() -> VersionRange.parse("[2.0,1.0]")).hasMessageContaining("empty");
        assertThatThrownBy(() -> VersionRange.parse("1.0")).hasMessageContaining("must look like [1.0,2.0)");
    }

    @Test
    void semverOrdersPreReleasesBeforeReleases() {
        assertThat(Semver.parse("1.0.0-rc1")).isLessThan(Semver.parse("1.0.0"));
        assertThat(Semver.parse("1.10.0")).isGreaterThan(Semver.parse("1.9.9"));
        assertThatThrownBy(() -> Semver.parse("01.0.0")).hasMessageContaining("not semantic versioning");
        assertThatThrownBy(() -> Semver.parse("1.0.0+build")).hasMessageContaining("not semantic versioning");
    }

    @Test
    void inputsAreImmutableCopies() {
        byte[] seed = new byte[32];
        LeaderElectionInput in = new LeaderElectionInput(1, 0, 1, List.of(new Validator("a", 1)), seed, List.of());
        seed[0] = 9;
        in.seed()[1] = 9;
        assertThat(in.seed()).containsOnly(0);
        assertThatThrownBy(() -> new Validator("a", 0)).hasMessageContaining("stake must be positive");
    }
}
