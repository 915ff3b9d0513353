package io.backplane.plugin.host;

import io.backplane.codec.CanonicalWriter;
import io.backplane.plugin.api.PluginKind;
import io.backplane.plugin.runtime.EnclaveMain;
import io.backplane.plugin.wire.Wire;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;

/**
 * Where the enclave's trusted code lives on this machine: the runtime, the wire format, the plugin API and the codec, found from the
 * classes this JVM loaded (a module's {@code target/classes} in tests, a jar under {@code provisioning/target/lib}
 * from the command line), so the child runs exactly the bytes the host runs.
 */
public final class EnclaveClassPath {
    private EnclaveClassPath() {
    }

    /** The runtime, wire, API and codec locations, in that order (one path, once, when they share a jar). */
    public static List<Path> trusted() {
        return java.util.stream.Stream.of(EnclaveMain.class, Wire.class, PluginKind.class, CanonicalWriter.class)
                .map(EnclaveClassPath::locationOf).distinct().toList();
    }

    static Path locationOf(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toAbsolutePath();
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("cannot locate the code of " + c.getName() + " to put it in the enclave", e);
        }
    }
}
