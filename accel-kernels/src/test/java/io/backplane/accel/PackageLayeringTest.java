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
    /** An import of an accel type outside the VDF package. */
    private static final Pattern OTHER_ACCEL = Pattern.compile("(?m)^\\s*import\\s+(static\\s+)?io\\.backplane\\.accel\\.(?!vdf\\.)");
    private static final Pattern JOCL = Pattern.compile("(?m)^\\s*import\\s+(static\\s+)?org\\.jocl\\.");

    static List<Path> joclUsersOutsideOpenCl(Path root) throws IOException {
        return sourcesMatching(root, JOCL).stream().filter(f -> !root.relativize(f).startsWith("opencl")).toList();
    }

    /** The Java sources under {@code root} whose text {@code pattern} finds. */
    private static List<Path> sourcesMatching(Path root, Pattern pattern) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(f -> f.toString().endsWith(".java"))
                    .filter(f -> {
                        try {
                            return pattern.matcher(Files.readString(f)).find();
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

    @Test
    void theVdfPackageImportsNoOtherAccelPackage() throws IOException {
        assertThat(sourcesMatching(MAIN.resolve("vdf"), OTHER_ACCEL)).isEmpty();
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
