package io.backplane.plugin.host;

import io.backplane.plugin.api.PluginKind;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The reference plugins in this JVM, through the same wire encoding and answer checks as the enclave. */
class InProcessSamplePluginsTest extends SamplePluginsSuite {
    @TempDir
    static Path dir;
    private EnclaveHost host;

    @BeforeAll
    void start() {
        host = new EnclaveHost(EnclaveSettings.defaults(), SandboxProbe.probe(), new AuthorKeys(dir), PluginMetrics.standalone(),
                FeatureFlags.allOn(), "n0", System::nanoTime);
    }

    @AfterAll
    void stop() {
        host.close();
    }

    @Override
    PluginClient client(Class<?> type, PluginKind kind) {
        try {
            return host.inProcess(type.getSimpleName().toLowerCase(), type.getDeclaredConstructor().newInstance(), List.of(kind));
        } catch (InstantiationException | IllegalAccessException | NoSuchMethodException | InvocationTargetException e) {
            throw new IllegalStateException(e);
        }
    }
}
