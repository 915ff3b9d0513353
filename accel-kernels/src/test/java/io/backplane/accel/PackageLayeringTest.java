package io.backplane.accel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Reads the accel-kernels sources and fails when JOCL ({@code org.jocl}) is imported outside {@code io/backplane/accel/opencl/},
 * or when the VDF package imports any other accel package (the VDF types live with the VDF code: no package cycle).
 */
class PackageLayeringTest {
    private static final Path MAIN = Path.of("src", "main", "java", "io", "backplane", "accel");
    private static final Pattern JOCL = Pattern.compile("(?m)^\\s*import\\s+(static\\s+)?org\\.jocl\\.");

    static List<Path> joclUsersOutsideOpenCl(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(f -> f.toString().endsWith(".java"))
                    .filter(f -> !root.relativize(f).startsWith("opencl"))
                    .filter(f -> {
                        try {
                            return JOCL.matcher(Files.readString(f)).find();
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(f.toString(), e);
                        }
                    })
                    .toList();
        }
    }

    @Test
    void joclIsImportedOnlyUnderTheOpenClPackage() throws IOException {
        assertThat(MAIN.resolve("opencl")).isDirectory();
        assertThat(joclUsersOutsideOpenCl(MAIN)).isEmpty();
    }

    private static final Pattern OTHER_ACCEL = Pattern.compile("(?m)^\\s*import\\s+(static\\s+)?io\\.backplane\\.accel\\.(?!vdf\\.)");

    @Test
    void theVdfPackageImportsNoOtherAccelPackage() throws IOException {
        try (Stream<Path> files = Files.list(MAIN.resolve("vdf"))) {
            List<Path> offenders = files.filter(f -> f.toString().endsWith(".java"))
                    .filter(f -> {
                        try {
                            return OTHER_ACCEL.matcher(Files.readString(f)).find();
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(f.toString(), e);
                        }
                    })
                    .toList();
            assertThat(offenders).isEmpty();
        }
        assertThat(MAIN.resolve("vdf/VdfProof.java")).exists();
        assertThat(MAIN.resolve("VdfProof.java")).doesNotExist();
    }

    @Test
    void theScanFindsAJoclImportOutsideOpenCl() throws IOException {
        Path root = Files.createTempDirectory("layering");
        Files.createDirectories(root.resolve("bls"));
        Files.writeString(root.resolve("bls/X.java"), "package x;\nimport static org.jocl.CL.CL_TRUE;\nclass X {}\n");
        Files.createDirectories(root.resolve("opencl"));
        Files.writeString(root.resolve("opencl/Y.java"), "package y;\nimport org.jocl.CL;\nclass Y {}\n");
        assertThat(joclUsersOutsideOpenCl(root)).containsExactly(root.resolve("bls/X.java"));
    }
}
