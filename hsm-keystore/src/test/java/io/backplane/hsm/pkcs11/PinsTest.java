package io.backplane.hsm.pkcs11;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PinsTest {
    @TempDir
    Path dir;

    @Test
    void environmentWinsThenAnOwnerOnlyFileWithItsNewlineStripped() {
        Path f = dir.resolve("pin");
        Pins.writeSecretFile(f, "s3cret\n".toCharArray());
        assertThat(new String(Pins.read(Map.of(), f))).isEqualTo("s3cret");
        assertThat(new String(Pins.read(Map.of(Pins.ENV, "from-env"), f))).isEqualTo("from-env");
    }

    @Test
    void refusesAFileOthersCanReadAMissingFileAndAnEmptyOneWithoutPrintingThePin() throws Exception {
        Path f = dir.resolve("pin");
        Pins.writeSecretFile(f, "s3cret".toCharArray());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> Pins.read(Map.of(), f)).hasMessageContaining("readable by others").hasMessageNotContaining("s3cret");
        assertThatThrownBy(() -> Pins.read(Map.of(), dir.resolve("none"))).hasMessageContaining("does not exist").hasMessageContaining(Pins.ENV);
        Pins.writeSecretFile(f, new char[0]);
        assertThatThrownBy(() -> Pins.read(Map.of(), f)).hasMessageContaining("is empty");
    }
}
