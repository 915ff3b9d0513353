package io.backplane.hsm.pkcs11;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SoftHsm#activateExisting}, the activation of commands that only read a home: it never writes, so a missing
 * setup names the first step and a config that does not point at this directory is refused, both leaving the files
 * as they were. (Its success path is covered end to end by provisioning's {@code ReadOnlyHomeIT}: SoftHSM reads one
 * config per process, so this JVM cannot switch to the one made here.)
 */
class SoftHsmReadOnlyTest {
    @TempDir
    Path dir;

    @Test
    void aMissingSetupNamesInitTokenAndCreatesNothing() {
        Path hsm = dir.resolve("hsm");
        assertThatThrownBy(() -> new SoftHsm(hsm).activateExisting()).isInstanceOf(TokenException.class)
                .hasMessageContaining("no SoftHSM token under " + hsm).hasMessageContaining("keys init-token");
        assertThat(hsm).doesNotExist();
    }

    @Test
    void aConfigPointingElsewhereIsRefusedAndNotRewritten() throws Exception {
        Path hsm = Files.createDirectories(dir.resolve("hsm").resolve("tokens")).getParent();
        String moved = "directories.tokendir = /somewhere/else/tokens\nobjectstore.backend = file\n";
        Path conf = hsm.resolve("softhsm2.conf");
        Files.writeString(conf, moved);
        Object inode = Files.readAttributes(conf, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        assertThatThrownBy(() -> new SoftHsm(hsm).activateExisting()).isInstanceOf(TokenException.class)
                .hasMessageContaining(conf.toString()).hasMessageContaining("does not point at " + hsm.resolve("tokens"));
        assertThat(Files.readString(conf)).isEqualTo(moved);
        assertThat(Files.readAttributes(conf, java.nio.file.attribute.BasicFileAttributes.class).fileKey()).isEqualTo(inode);
        try (var s = Files.list(hsm)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("softhsm2.conf", "tokens");
        }
    }
}
